namespace Engine.Grains.Abstractions.Conversations;

/// <summary>A WhatsApp template to send, with its body parameters in order.</summary>
[GenerateSerializer, Immutable, Alias("engine.template-ref.v1")]
public sealed record class TemplateRef(
    [property: Id(0)] string Name,
    [property: Id(1)] string Language,
    [property: Id(2)] IReadOnlyList<string> Parameters);

/// <summary>Why a message is being sent; compliance replies bypass some checks.</summary>
public enum OutboundPurpose
{
    /// <summary>A message the business chose to send.</summary>
    Standard = 0,

    /// <summary>The single confirmation after an opt-out.</summary>
    OptOutConfirmation = 1,

    /// <summary>The confirmation after an opt-in keyword.</summary>
    OptInConfirmation = 2,

    /// <summary>The answer to a HELP keyword.</summary>
    HelpReply = 3,

    /// <summary>A step of a playbook (subject to consent and quiet hours like any business message).</summary>
    Automation = 4,

    /// <summary>A double opt-in request asking a lead without consent to reply YES.</summary>
    OptInRequest = 5,
}

/// <summary>Wire names of purposes, as stored with each outbound message.</summary>
public static class PurposeNames
{
    /// <summary>"standard", "opt_out_confirmation", "opt_in_confirmation", "help_reply", "automation" or "opt_in_request".</summary>
    public static string ToWireName(this OutboundPurpose purpose) => purpose switch
    {
        OutboundPurpose.Standard => "standard",
        OutboundPurpose.OptOutConfirmation => "opt_out_confirmation",
        OutboundPurpose.OptInConfirmation => "opt_in_confirmation",
        OutboundPurpose.HelpReply => "help_reply",
        OutboundPurpose.Automation => "automation",
        OutboundPurpose.OptInRequest => "opt_in_request",
        _ => throw new ArgumentOutOfRangeException(nameof(purpose), purpose, "Unknown purpose."),
    };

    /// <summary>Parses a wire name.</summary>
    public static OutboundPurpose ParsePurpose(string value) =>
        Enum.Parse<OutboundPurpose>(value.Replace("_", "", StringComparison.Ordinal), ignoreCase: true);

    /// <summary>
    /// Messages the business chooses to send (quiet hours apply), as opposed to replies the lead's own
    /// keyword asked for.
    /// </summary>
    public static bool IsBusinessInitiated(this OutboundPurpose purpose) =>
        purpose is OutboundPurpose.Standard or OutboundPurpose.Automation or OutboundPurpose.OptInRequest;
}

/// <summary>A request to send one message to the conversation's lead.</summary>
[GenerateSerializer, Immutable, Alias("engine.outbound-request.v1")]
public sealed record class OutboundRequest(
    [property: Id(0)] string? IdempotencyKey,
    [property: Id(1)] string? Body,
    [property: Id(2)] TemplateRef? Template,
    [property: Id(3)] DateTimeOffset? SendAt,
    [property: Id(4)] OutboundPurpose Purpose = OutboundPurpose.Standard,
    [property: Id(5)] IReadOnlyList<Messages.MediaAttachment>? Media = null);

/// <summary>Whether a send was accepted now, deferred, or refused.</summary>
public enum SendDisposition
{
    /// <summary>Queued for the sender now.</summary>
    Queued = 0,

    /// <summary>Held until <see cref="SendResult.ScheduledFor"/> (quiet hours or send_at).</summary>
    Scheduled = 1,

    /// <summary>Refused; see <see cref="SendResult.Reason"/>.</summary>
    Rejected = 2,
}

/// <summary>Why a send was refused.</summary>
public enum RejectionCode
{
    /// <summary>Not refused.</summary>
    None = 0,

    /// <summary>The lead opted out on this channel.</summary>
    OptedOut = 1,

    /// <summary>No consent on record and the lead never wrote in.</summary>
    NoConsent = 2,

    /// <summary>Free-form WhatsApp text outside the 24-hour customer service window.</summary>
    WhatsAppWindowClosed = 3,

    /// <summary>The tenant has not configured this channel.</summary>
    ChannelNotConfigured = 4,

    /// <summary>The request itself is malformed (no body, body too long, ...).</summary>
    InvalidRequest = 5,

    /// <summary>No such lead: it must be created before it is messaged.</summary>
    UnknownLead = 6,

    /// <summary>A double opt-in was requested for a lead who is already opted in.</summary>
    AlreadyOptedIn = 7,
}

/// <summary>The engine's answer to a send request.</summary>
[GenerateSerializer, Immutable, Alias("engine.send-result.v1")]
public sealed record class SendResult(
    [property: Id(0)] Guid MessageId,
    [property: Id(1)] SendDisposition Disposition,
    [property: Id(2)] RejectionCode Rejection,
    [property: Id(3)] string? Reason,
    [property: Id(4)] DateTimeOffset? ScheduledFor);
