namespace Engine.Grains.Abstractions.Conversations;

/// <summary>The longest free-text body each channel's provider accepts.</summary>
public static class MessageLimits
{
    /// <summary>Twilio's limit for one SMS body (it splits it into up to ten segments).</summary>
    public const int MaxSmsBody = 1_600;

    /// <summary>WhatsApp Cloud API's limit for a text message body.</summary>
    public const int MaxWhatsAppBody = 4_096;

    /// <summary>The limit on <paramref name="channel"/>.</summary>
    public static int MaxBody(Channel channel) => channel == Channel.Sms ? MaxSmsBody : MaxWhatsAppBody;
}
