namespace Engine.Grains.Abstractions.Consent;

/// <summary>Whether a lead has agreed to receive messages on a channel.</summary>
public enum ConsentStatus
{
    /// <summary>Nothing recorded yet.</summary>
    Unknown = 0,

    /// <summary>The lead agreed; evidence is on the record.</summary>
    OptedIn = 1,

    /// <summary>The lead revoked consent; nothing but the one STOP confirmation may be sent.</summary>
    OptedOut = 2,

    /// <summary>A double opt-in request was sent and awaits the lead's YES; no consent yet.</summary>
    Pending = 3,
}

/// <summary>Where a consent change came from.</summary>
public enum ConsentSource
{
    /// <summary>A web or lead form the person filled in.</summary>
    Form = 0,

    /// <summary>The business recorded it through the API.</summary>
    Api = 1,

    /// <summary>A bulk import of leads.</summary>
    Import = 2,

    /// <summary>An inbound STOP/START keyword or revocation phrase.</summary>
    Keyword = 3,

    /// <summary>A provider reported the recipient unsubscribed (Twilio 21610, WhatsApp 131050).</summary>
    ProviderError = 4,

    /// <summary>The person asked by other means (phone call, email) and the business recorded it.</summary>
    UserRequest = 5,
}

/// <summary>Wire names used in the consent ledger and the API.</summary>
public static class ConsentNames
{
    /// <summary>"unknown", "opted_in", "opted_out" or "pending".</summary>
    public static string ToWireName(this ConsentStatus status) => status switch
    {
        ConsentStatus.OptedIn => "opted_in",
        ConsentStatus.OptedOut => "opted_out",
        ConsentStatus.Pending => "pending",
        _ => "unknown",
    };

    /// <summary>Parses a wire name; anything unrecognised reads as unknown.</summary>
    public static ConsentStatus ParseStatus(string value) => value switch
    {
        "opted_in" => ConsentStatus.OptedIn,
        "opted_out" => ConsentStatus.OptedOut,
        "pending" => ConsentStatus.Pending,
        _ => ConsentStatus.Unknown,
    };

    /// <summary>Parses a source's wire name.</summary>
    public static ConsentSource ParseSource(string value) =>
        Enum.Parse<ConsentSource>(value.Replace("_", "", StringComparison.Ordinal), ignoreCase: true);

    /// <summary>"form", "api", "import", "keyword", "provider_error" or "user_request".</summary>
    public static string ToWireName(this ConsentSource source) => source switch
    {
        ConsentSource.Form => "form",
        ConsentSource.Api => "api",
        ConsentSource.Import => "import",
        ConsentSource.Keyword => "keyword",
        ConsentSource.ProviderError => "provider_error",
        ConsentSource.UserRequest => "user_request",
        _ => throw new ArgumentOutOfRangeException(nameof(source), source, "Unknown consent source."),
    };
}
