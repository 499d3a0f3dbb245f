namespace Engine.Grains.Abstractions;

/// <summary>A messaging channel a lead can be reached on.</summary>
public enum Channel
{
    /// <summary>SMS and MMS through a carrier aggregator (Twilio).</summary>
    Sms = 1,

    /// <summary>WhatsApp through Meta's Cloud API.</summary>
    WhatsApp = 2,
}

/// <summary>Wire names of channels, as stored and as used in grain keys.</summary>
public static class ChannelNames
{
    /// <summary>The lower-case name of a channel ("sms", "whatsapp").</summary>
    public static string ToWireName(this Channel channel) => channel switch
    {
        Channel.Sms => "sms",
        Channel.WhatsApp => "whatsapp",
        _ => throw new ArgumentOutOfRangeException(nameof(channel), channel, "Unknown channel."),
    };

    /// <summary>Parses a stored wire name; throws for anything else.</summary>
    public static Channel Parse(string value) =>
        TryParse(value, out var channel) ? channel : throw new FormatException($"'{value}' is not a channel.");

    /// <summary>Parses a wire name; false when the name is not a known channel.</summary>
    public static bool TryParse(string? value, out Channel channel)
    {
        switch (value?.Trim().ToLowerInvariant())
        {
            case "sms":
                channel = Channel.Sms;
                return true;
            case "whatsapp":
                channel = Channel.WhatsApp;
                return true;
            default:
                channel = default;
                return false;
        }
    }
}
