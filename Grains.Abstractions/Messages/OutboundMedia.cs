namespace Engine.Grains.Abstractions.Messages;

/// <summary>What each channel's provider takes of media on one outbound message.</summary>
public static class OutboundMedia
{
    /// <summary>Twilio takes up to ten MediaUrl on an MMS.</summary>
    public const int MaxSmsMedia = 10;

    /// <summary>A WhatsApp message carries one media object, with the body as its caption.</summary>
    public const int MaxWhatsAppMedia = 1;

    /// <summary>The limit on <paramref name="channel"/>.</summary>
    public static int MaxCount(Channel channel) => channel == Channel.Sms ? MaxSmsMedia : MaxWhatsAppMedia;

    /// <summary>WhatsApp's message type for a content type: image, video, audio, or else document.</summary>
    public static string WhatsAppType(string contentType) => contentType.Split('/')[0] switch
    {
        "image" => "image",
        "video" => "video",
        "audio" => "audio",
        _ => "document",
    };

    /// <summary>WhatsApp shows a document under a file name of the sender's choosing; other types have none.</summary>
    public const string WhatsAppNamedType = "document";

    /// <summary>Whether WhatsApp shows a caption on this type (it refuses one on audio).</summary>
    public static bool WhatsAppTakesCaption(string type) => type != "audio";
}
