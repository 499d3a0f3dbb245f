using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Policies;

namespace Engine.Gateway.Webhooks;

/// <summary>An inbound message as Twilio posts it (SMS, MMS or WhatsApp through Twilio).</summary>
internal sealed record TwilioInbound(
    Channel Channel, string LeadPhone, string MessageSid, string? Body, string MessageType, string? ProfileName, KeywordKind? OptOutType = null);

/// <summary>A Twilio status callback for one of our outbound messages.</summary>
internal sealed record TwilioStatus(Channel Channel, string LeadPhone, string MessageSid, DeliveryStatus Status, string? ErrorCode);

/// <summary>Reads Twilio's form fields; unknown fields are ignored, missing required ones are named.</summary>
internal static class TwilioWebhook
{
    private const string WhatsAppPrefix = "whatsapp:";

    public static (TwilioInbound? Message, string? Error) ParseInbound(IReadOnlyDictionary<string, string> form)
    {
        var sid = Field(form, "MessageSid") ?? Field(form, "SmsMessageSid") ?? Field(form, "SmsSid");
        if (sid is null)
        {
            return (null, "MessageSid is missing");
        }

        var from = Field(form, "From");
        var lead = PhoneNumberNormalizer.Normalize(from);
        if (!lead.IsValid)
        {
            return (null, from is null ? "From is missing" : $"From: {lead.Error}");
        }

        var mediaCount = int.TryParse(Field(form, "NumMedia"), out var count) ? count : 0;
        var type = Field(form, "MessageType") ?? (mediaCount > 0 ? "media" : "text");
        return (new TwilioInbound(
            ChannelOf(from!), lead.E164!, sid, Field(form, "Body") ?? Field(form, "ButtonText"), type, Field(form, "ProfileName"),
            OptOutTypeOf(Field(form, "OptOutType"))), null);
    }

    // Advanced Opt-Out: Twilio recognised the keyword (in any of its configured languages) and answered it.
    private static KeywordKind? OptOutTypeOf(string? value) => value?.ToUpperInvariant() switch
    {
        "STOP" => KeywordKind.OptOut,
        "START" => KeywordKind.OptIn,
        "HELP" => KeywordKind.Help,
        _ => null,
    };

    public static (TwilioStatus? Status, string? Error) ParseStatus(IReadOnlyDictionary<string, string> form)
    {
        var sid = Field(form, "MessageSid") ?? Field(form, "SmsSid");
        var statusText = Field(form, "MessageStatus") ?? Field(form, "SmsStatus");
        if (sid is null || statusText is null)
        {
            return (null, sid is null ? "MessageSid is missing" : "MessageStatus is missing");
        }

        var to = Field(form, "To");
        var lead = PhoneNumberNormalizer.Normalize(to);
        if (!lead.IsValid)
        {
            return (null, to is null ? "To is missing" : $"To: {lead.Error}");
        }

        if (MapStatus(statusText) is not { } status)
        {
            return (null, $"MessageStatus '{statusText}' is not a Twilio message status");
        }

        return (new TwilioStatus(ChannelOf(to!), lead.E164!, sid, status, Field(form, "ErrorCode")), null);
    }

    // accepted and scheduled are Messaging Service states before "queued"; receiving/received are inbound.
    private static DeliveryStatus? MapStatus(string status) => status.ToLowerInvariant() switch
    {
        "accepted" or "scheduled" or "queued" => DeliveryStatus.Queued,
        "sending" => DeliveryStatus.Sending,
        "sent" => DeliveryStatus.Sent,
        "delivered" or "partially_delivered" => DeliveryStatus.Delivered,
        "read" => DeliveryStatus.Read,
        "failed" => DeliveryStatus.Failed,
        "undelivered" => DeliveryStatus.Undelivered,
        "canceled" => DeliveryStatus.Canceled,
        _ => null,
    };

    private static Channel ChannelOf(string address) =>
        address.StartsWith(WhatsAppPrefix, StringComparison.OrdinalIgnoreCase) ? Channel.WhatsApp : Channel.Sms;

    private static string? Field(IReadOnlyDictionary<string, string> form, string name) =>
        form.TryGetValue(name, out var value) && !string.IsNullOrEmpty(value) ? value : null;
}
