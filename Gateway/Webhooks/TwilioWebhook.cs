using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Policies;

namespace Engine.Gateway.Webhooks;

/// <summary>
/// Reads Twilio's form fields; unknown fields are ignored. A request that lacks what it needs is
/// returned as an invalid item (the whole form, as JSON) naming the field.
/// </summary>
internal static class TwilioWebhook
{
    public const string InboundKind = "inbound";
    public const string StatusKind = "status";

    private const string WhatsAppPrefix = "whatsapp:";
    private const int MaxInboundMedia = 10;

    // Stored and shown to operators, never put in a page: keep '+' in numbers readable rather than \u002B.
    private static readonly JsonSerializerOptions RawJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static (TwilioInbound? Message, InvalidItem? Invalid) ParseInbound(IReadOnlyDictionary<string, string> form)
    {
        var sid = Field(form, "MessageSid") ?? Field(form, "SmsMessageSid") ?? Field(form, "SmsSid");
        if (sid is null)
        {
            return (null, Invalid(InboundKind, "missing_message_sid", "MessageSid is missing", form));
        }

        var from = Field(form, "From");
        var lead = PhoneNumberNormalizer.Normalize(from);
        if (!lead.IsValid)
        {
            return (null, from is null
                ? Invalid(InboundKind, "missing_from", "From is missing", form)
                : Invalid(InboundKind, "invalid_from", $"From: {lead.Error}", form));
        }

        var media = MediaOf(form);
        var type = Field(form, "MessageType") ?? (media.Count > 0 ? "media" : "text");
        return (new TwilioInbound(
            ChannelOf(from!), lead.E164!, sid, Field(form, "Body") ?? Field(form, "ButtonText"), type, Field(form, "ProfileName"),
            OptOutTypeOf(Field(form, "OptOutType")), media), null);
    }

    // MediaUrl0..MediaUrl{NumMedia-1}, each with its MediaContentType; Twilio sends at most ten.
    private static List<MediaAttachment> MediaOf(IReadOnlyDictionary<string, string> form)
    {
        var count = int.TryParse(Field(form, "NumMedia"), NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? Math.Min(n, MaxInboundMedia) : 0;
        return Enumerable.Range(0, count)
            .Select(i => (Url: Field(form, $"MediaUrl{i}"), ContentType: Field(form, $"MediaContentType{i}")))
            .Where(m => m.Url is not null)
            .Select(m => new MediaAttachment(m.Url, m.ContentType))
            .ToList();
    }

    // Advanced Opt-Out: Twilio recognised the keyword (in any of its configured languages) and answered it.
    private static KeywordKind? OptOutTypeOf(string? value) => value?.ToUpperInvariant() switch
    {
        "STOP" => KeywordKind.OptOut,
        "START" => KeywordKind.OptIn,
        "HELP" => KeywordKind.Help,
        _ => null,
    };

    public static (TwilioStatus? Status, InvalidItem? Invalid) ParseStatus(IReadOnlyDictionary<string, string> form)
    {
        var sid = Field(form, "MessageSid") ?? Field(form, "SmsSid");
        if (sid is null)
        {
            return (null, Invalid(StatusKind, "missing_message_sid", "MessageSid is missing", form));
        }

        var statusText = Field(form, "MessageStatus") ?? Field(form, "SmsStatus");
        if (statusText is null)
        {
            return (null, Invalid(StatusKind, "missing_message_status", "MessageStatus is missing", form));
        }

        var to = Field(form, "To");
        var lead = PhoneNumberNormalizer.Normalize(to);
        if (!lead.IsValid)
        {
            return (null, to is null
                ? Invalid(StatusKind, "missing_to", "To is missing", form)
                : Invalid(StatusKind, "invalid_to", $"To: {lead.Error}", form));
        }

        if (MapStatus(statusText) is not { } status)
        {
            return (null, Invalid(StatusKind, "unknown_message_status", $"MessageStatus '{statusText}' is not a Twilio message status", form));
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

    // The form as one JSON object, in the order Twilio sent the fields.
    private static InvalidItem Invalid(string kind, string code, string reason, IReadOnlyDictionary<string, string> form) =>
        new(kind, code, reason, JsonSerializer.Serialize(form, RawJson));
}
