namespace Engine.Grains.Abstractions.Messages;

/// <summary>Which external service carried a message.</summary>
public enum Provider
{
    /// <summary>Twilio Programmable Messaging (SMS, MMS, WhatsApp via Twilio).</summary>
    Twilio = 1,

    /// <summary>Meta's WhatsApp Cloud API.</summary>
    Meta = 2,

    /// <summary>Produced by the engine itself (no provider id yet).</summary>
    Engine = 3,
}

/// <summary>Which way a message travelled.</summary>
public enum Direction
{
    /// <summary>From the lead to the business.</summary>
    Inbound = 1,

    /// <summary>From the business to the lead.</summary>
    Outbound = 2,
}

/// <summary>
/// Where a message is in its life. Outbound statuses only move forward:
/// queued → sending → sent → delivered → read, with failed and undelivered terminal.
/// </summary>
public enum DeliveryStatus
{
    /// <summary>An inbound message, stored.</summary>
    Received = 0,

    /// <summary>Waiting for its send time (quiet hours or a requested send_at).</summary>
    Scheduled = 1,

    /// <summary>Accepted by the engine, waiting for the sender.</summary>
    Queued = 2,

    /// <summary>Handed to the provider.</summary>
    Sending = 3,

    /// <summary>The provider or carrier accepted it.</summary>
    Sent = 4,

    /// <summary>The handset confirmed it.</summary>
    Delivered = 5,

    /// <summary>The recipient read it (WhatsApp read receipts).</summary>
    Read = 6,

    /// <summary>It never reached the carrier.</summary>
    Failed = 7,

    /// <summary>The carrier reported it could not be delivered.</summary>
    Undelivered = 8,

    /// <summary>Withdrawn before sending (for example the lead opted out meanwhile).</summary>
    Canceled = 9,

    /// <summary>Refused by the last check before hand-off (consent, WhatsApp window); the error code says why.</summary>
    Suppressed = 10,
}

/// <summary>Wire names of the message enums, as stored in the message log.</summary>
public static class MessageNames
{
    /// <summary>"twilio", "meta" or "engine".</summary>
    public static string ToWireName(this Provider provider) => provider switch
    {
        Provider.Twilio => "twilio",
        Provider.Meta => "meta",
        Provider.Engine => "engine",
        _ => throw new ArgumentOutOfRangeException(nameof(provider), provider, "Unknown provider."),
    };

    /// <summary>"inbound" or "outbound".</summary>
    public static string ToWireName(this Direction direction) =>
        direction == Direction.Inbound ? "inbound" : "outbound";

    /// <summary>The lower-case status name ("queued", "delivered", ...).</summary>
    public static string ToWireName(this DeliveryStatus status) => status.ToString().ToLowerInvariant();

    /// <summary>Parses a lower-case status name.</summary>
    public static bool TryParseStatus(string? value, out DeliveryStatus status) =>
        Enum.TryParse(value, ignoreCase: true, out status) && Enum.IsDefined(status);
}
