namespace Engine.Grains.Abstractions.Tenants;

/// <summary>Everything a business configures about how the engine talks to its leads.</summary>
[GenerateSerializer, Immutable, Alias("engine.tenant-settings.v1")]
public sealed record class TenantSettings(
    [property: Id(0)] string DisplayName,
    [property: Id(1)] SmsChannelSettings? Sms,
    [property: Id(2)] WhatsAppChannelSettings? WhatsApp,
    [property: Id(3)] QuietHoursSettings QuietHours,
    [property: Id(4)] string DefaultTimeZone,
    [property: Id(5)] RateLimitSettings RateLimits,
    [property: Id(6)] KeywordReplySettings KeywordReplies,
    [property: Id(7)] ConsentSettings? ConsentRules = null,
    [property: Id(8)] BusinessHoursSettings? BusinessHours = null,
    [property: Id(9)] RetentionSettings? Retention = null)
{
    /// <summary>The consent rules, with defaults for tenants stored before they existed.</summary>
    public ConsentSettings Consent => ConsentRules ?? ConsentSettings.Default(DisplayName);

    /// <summary>
    /// The business hours, with the default for tenants that set none. A method, not a property: grain
    /// state is stored as JSON, and a computed property would be written and read back into the default.
    /// </summary>
    public BusinessHoursSettings OpeningHours() => BusinessHours ?? BusinessHoursSettings.Default;

    /// <summary>Settings for a new tenant that has configured nothing but its name.</summary>
    public static TenantSettings Defaults(string displayName) => new(
        displayName,
        Sms: null,
        WhatsApp: null,
        QuietHoursSettings.Default,
        DefaultTimeZone: "America/New_York",
        RateLimitSettings.Default,
        KeywordReplySettings.Default(displayName),
        ConsentSettings.Default(displayName));
}

/// <summary>A Twilio sender: the account whose auth token also signs Twilio's webhooks.</summary>
[GenerateSerializer, Immutable, Alias("engine.sms-channel.v1")]
public sealed record class SmsChannelSettings(
    [property: Id(0)] string AccountSid,
    [property: Id(1)] string AuthToken,
    [property: Id(2)] string FromNumber,
    [property: Id(3)] string? MessagingServiceSid,
    [property: Id(4)] SenderKind SenderKind);

/// <summary>The kind of SMS number, which sets the carrier's default throughput.</summary>
public enum SenderKind
{
    /// <summary>A 10-digit long code (about one segment a second).</summary>
    LongCode = 0,

    /// <summary>A toll-free number (about three messages a second).</summary>
    TollFree = 1,

    /// <summary>A short code (about a hundred segments a second).</summary>
    ShortCode = 2,
}

/// <summary>A WhatsApp Business number on Meta's Cloud API.</summary>
[GenerateSerializer, Immutable, Alias("engine.whatsapp-channel.v1")]
public sealed record class WhatsAppChannelSettings(
    [property: Id(0)] string PhoneNumberId,
    [property: Id(1)] string AccessToken,
    [property: Id(2)] string AppSecret,
    [property: Id(3)] string VerifyToken);

/// <summary>The local-time window in which messages may be sent; outside it they wait.</summary>
[GenerateSerializer, Immutable, Alias("engine.quiet-hours.v1")]
public sealed record class QuietHoursSettings(
    [property: Id(0)] bool Enabled,
    [property: Id(1)] TimeSpan AllowedFrom,
    [property: Id(2)] TimeSpan AllowedUntil)
{
    /// <summary>08:00 to 21:00 in the recipient's local time, the TCPA window.</summary>
    public static QuietHoursSettings Default { get; } = new(true, TimeSpan.FromHours(8), TimeSpan.FromHours(21));
}

/// <summary>
/// When the business is open, in the recipient's local time: playbook steps marked business-hours-only
/// wait for it. A window that closes before it opens spans midnight.
/// </summary>
[GenerateSerializer, Immutable, Alias("engine.business-hours.v1")]
public sealed record class BusinessHoursSettings(
    [property: Id(0)] TimeSpan OpensAt,
    [property: Id(1)] TimeSpan ClosesAt,
    [property: Id(2)] IReadOnlyList<DayOfWeek> Days)
{
    /// <summary>09:00 to 17:00, Monday to Friday.</summary>
    public static BusinessHoursSettings Default { get; } = new(
        TimeSpan.FromHours(9), TimeSpan.FromHours(17), [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday]);
}

/// <summary>Sending limits; null rates fall back to the sender kind's default.</summary>
[GenerateSerializer, Immutable, Alias("engine.rate-limits.v1")]
public sealed record class RateLimitSettings(
    [property: Id(0)] double? SmsSegmentsPerSecond,
    [property: Id(1)] double? WhatsAppMessagesPerSecond,
    [property: Id(2)] int DailyMessageCap)
{
    /// <summary>Carrier defaults and a daily cap of 10,000 messages.</summary>
    public static RateLimitSettings Default { get; } = new(null, null, 10_000);
}

/// <summary>
/// How long message data is kept, in days; 0 keeps it forever. Bodies go first (the message stays,
/// with its status, without its text), then the whole message.
/// </summary>
[GenerateSerializer, Immutable, Alias("engine.retention.v1")]
public sealed record class RetentionSettings(
    [property: Id(0)] int MessageBodyDays,
    [property: Id(1)] int MessageDays)
{
    /// <summary>Everything kept forever.</summary>
    public static RetentionSettings KeepForever { get; } = new(0, 0);
}

/// <summary>Which channels one opt-out covers.</summary>
public enum OptOutScope
{
    /// <summary>Every channel of the business (the FCC "revoke all" reading).</summary>
    AllChannels = 0,

    /// <summary>Only the channel the opt-out arrived on.</summary>
    ChannelOnly = 1,
}

/// <summary>Replies to STOP/START/HELP and how plain-language revocations are treated.</summary>
[GenerateSerializer, Immutable, Alias("engine.keyword-replies.v1")]
public sealed record class KeywordReplySettings(
    [property: Id(0)] string StopConfirmation,
    [property: Id(1)] string StartConfirmation,
    [property: Id(2)] string HelpReply,
    [property: Id(3)] bool TreatRevocationPhrasesAsOptOut,
    [property: Id(4)] OptOutScope OptOutScope)
{
    /// <summary>CTIA-style replies naming the business.</summary>
    public static KeywordReplySettings Default(string businessName) => new(
        $"{businessName}: You are unsubscribed and will receive no further messages. Reply START to resubscribe.",
        $"{businessName}: You are subscribed again. Msg & data rates may apply. Reply HELP for help, STOP to opt out.",
        $"{businessName}: Reply STOP to opt out, START to opt back in. Msg & data rates may apply.",
        TreatRevocationPhrasesAsOptOut: true,
        OptOutScope.AllChannels);
}

/// <summary>How the tenant treats leads without consent, and its double opt-in.</summary>
[GenerateSerializer, Immutable, Alias("engine.consent-settings.v1")]
public sealed record class ConsentSettings(
    [property: Id(0)] TimeSpan ReplyWindow,
    [property: Id(1)] string OptInRequestText,
    [property: Id(2)] TimeSpan OptInConfirmationWindow,
    [property: Id(3)] bool MarketingOptOutCoversAllChannels)
{
    /// <summary>Replies within 24 hours, a double opt-in answerable for 48 hours, WhatsApp marketing opt-outs on WhatsApp only.</summary>
    public static ConsentSettings Default(string businessName) => new(
        TimeSpan.FromHours(24),
        $"{businessName}: Reply YES to receive messages from us. Msg & data rates may apply. Reply STOP to opt out.",
        TimeSpan.FromHours(48),
        MarketingOptOutCoversAllChannels: false);
}
