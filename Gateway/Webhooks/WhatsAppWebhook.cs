using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Policies;

namespace Engine.Gateway.Webhooks;

/// <summary>
/// Reads Meta's webhook JSON. Only a body that is not a notification at all is an error; each message
/// or status is judged on its own, and an unusable one is returned as invalid next to the good ones.
/// Unknown message types are kept with their type; unknown statuses are skipped.
/// </summary>
internal static partial class WhatsAppWebhook
{
    public const string MessageKind = "message";
    public const string StatusKind = "status";

    private const string NotSupportedYet = "business-scoped user ids are not supported yet";
    private static readonly (string Code, string Reason) NoPhoneNumberId = ("no_phone_number_id", "the change has no metadata.phone_number_id");

    public static (WhatsAppNotification? Notification, string? Error) Parse(ReadOnlySpan<byte> body)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(body.ToArray());
        }
        catch (JsonException e)
        {
            return (null, $"the body is not valid JSON: {e.Message}");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("entry", out var entries) || entries.ValueKind != JsonValueKind.Array)
            {
                return (null, "the body has no 'entry' array");
            }

            var (messages, statuses, invalid) = (new List<WhatsAppInbound>(), new List<WhatsAppStatus>(), new List<WhatsAppInvalidItem>());
            foreach (var value in entries.EnumerateArray()
                .SelectMany(entry => Array(entry, "changes"))
                .Where(change => String(change, "field") is null or "messages")
                .Select(change => change.ValueKind == JsonValueKind.Object && change.TryGetProperty("value", out var v) ? v : default)
                .Where(value => value.ValueKind == JsonValueKind.Object))
            {
                var phoneNumberId = value.TryGetProperty("metadata", out var metadata) ? String(metadata, "phone_number_id") : null;
                var names = ProfileNames(value);
                foreach (var message in Array(value, "messages"))
                {
                    var (inbound, problem) = ReadMessage(phoneNumberId, message, names);
                    if (inbound is not null)
                    {
                        messages.Add(inbound);
                    }
                    else
                    {
                        invalid.Add(Invalid(phoneNumberId, MessageKind, problem!.Value, message));
                    }
                }

                foreach (var status in Array(value, "statuses"))
                {
                    var (parsed, problem) = ReadStatus(phoneNumberId, status);
                    if (problem is { } why)
                    {
                        invalid.Add(Invalid(phoneNumberId, StatusKind, why, status));
                    }
                    else if (parsed is not null)
                    {
                        statuses.Add(parsed);
                    }
                }
            }

            return (new WhatsAppNotification(messages, statuses, invalid), null);
        }
    }

    private static (WhatsAppInbound?, (string Code, string Reason)?) ReadMessage(string? phoneNumberId, JsonElement message, Dictionary<string, string?> names)
    {
        if (message.ValueKind != JsonValueKind.Object)
        {
            return (null, ("not_an_object", "messages[] holds something other than an object"));
        }

        if (phoneNumberId is null)
        {
            return (null, NoPhoneNumberId);
        }

        if (String(message, "id") is not { Length: > 0 } id)
        {
            return (null, ("missing_id", "messages[].id is missing"));
        }

        var from = String(message, "from");
        var (lead, problem) = LeadOf("messages[].from", "from", from, String(message, "from_user_id"));
        if (lead is null)
        {
            return (null, problem);
        }

        var type = String(message, "type") ?? "unknown";
        return (new WhatsAppInbound(phoneNumberId, lead, id, type, BodyOf(message, type), Timestamp(message), names.GetValueOrDefault(from!)), null);
    }

    private static (WhatsAppStatus?, (string Code, string Reason)?) ReadStatus(string? phoneNumberId, JsonElement status)
    {
        if (status.ValueKind != JsonValueKind.Object)
        {
            return (null, ("not_an_object", "statuses[] holds something other than an object"));
        }

        if (String(status, "status") is not { Length: > 0 } state)
        {
            return (null, ("missing_status", "statuses[].status is missing"));
        }

        if (MapStatus(state) is not { } mapped)
        {
            return (null, null); // newer states (e.g. "deleted") are acknowledged and ignored
        }

        if (phoneNumberId is null)
        {
            return (null, NoPhoneNumberId);
        }

        if (String(status, "id") is not { Length: > 0 } id)
        {
            return (null, ("missing_id", "statuses[].id is missing"));
        }

        var (lead, problem) = LeadOf("statuses[].recipient_id", "recipient_id", String(status, "recipient_id"), businessScopedId: null);
        if (lead is null)
        {
            return (null, problem);
        }

        var errorCode = Array(status, "errors")
            .Select(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("code", out var c) ? c.ToString() : null)
            .FirstOrDefault(c => c is not null);
        return (new WhatsAppStatus(phoneNumberId, lead, id, mapped, errorCode, Timestamp(status)), null);
    }

    private static DeliveryStatus? MapStatus(string state) => state switch
    {
        "sent" => DeliveryStatus.Sent,
        "delivered" => DeliveryStatus.Delivered,
        "read" => DeliveryStatus.Read,
        "failed" => DeliveryStatus.Failed,
        _ => null,
    };

    // The lead an item is about. A phone number is the only identity a lead has today; users with a
    // WhatsApp username may come with a business-scoped user id instead ("US.1349…", in from_user_id
    // or in 'from' itself), which is recognised here so the reason says so, and is where support goes.
    private static (string? LeadPhone, (string Code, string Reason)? Problem) LeadOf(string field, string code, string? phone, string? businessScopedId)
    {
        if (string.IsNullOrWhiteSpace(phone))
        {
            return string.IsNullOrWhiteSpace(businessScopedId)
                ? (null, ($"missing_{code}", $"{field} is missing"))
                : (null, ("business_scoped_user_id", $"{field} is missing ({NotSupportedYet})"));
        }

        if (BusinessScopedUserId().IsMatch(phone))
        {
            return (null, ("business_scoped_user_id", $"{field} holds a business-scoped user id, not a phone number ({NotSupportedYet})"));
        }

        var lead = PhoneNumberNormalizer.NormalizeWhatsAppId(phone);
        return lead.IsValid ? (lead.E164, null) : (null, ($"invalid_{code}", $"{field}: {lead.Error}"));
    }

    // Country letters, a dot, then digits (enterprise ids add a segment: "US.ENT.5678").
    [GeneratedRegex(@"^[A-Za-z]{2}\.[A-Za-z0-9.]+$", RegexOptions.CultureInvariant)]
    private static partial Regex BusinessScopedUserId();

    // Display names by wa_id; a repeated contact keeps its first name rather than failing the POST.
    private static Dictionary<string, string?> ProfileNames(JsonElement value)
    {
        var names = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var contact in Array(value, "contacts"))
        {
            if (String(contact, "wa_id") is { } waId)
            {
                names.TryAdd(waId, contact.TryGetProperty("profile", out var profile) ? String(profile, "name") : null);
            }
        }

        return names;
    }

    private static WhatsAppInvalidItem Invalid(string? phoneNumberId, string kind, (string Code, string Reason) problem, JsonElement item) =>
        new(phoneNumberId, new InvalidItem(kind, problem.Code, problem.Reason, item.GetRawText()));

    // The text a person would read, for the types that have one.
    private static string? BodyOf(JsonElement message, string type)
    {
        if (!message.TryGetProperty(type, out var content) || content.ValueKind != JsonValueKind.Object)
        {
            return null;
        }

        return type switch
        {
            "text" => String(content, "body"),
            "button" => String(content, "text"),
            "interactive" => new[] { "button_reply", "list_reply" }
                .Select(kind => content.TryGetProperty(kind, out var reply) ? String(reply, "title") : null)
                .FirstOrDefault(title => title is not null) ?? (content.TryGetProperty("nfm_reply", out var flow) ? String(flow, "body") : null),
            "image" or "video" or "document" or "audio" or "sticker" => String(content, "caption"),
            "location" => String(content, "name") ?? String(content, "address"),
            "reaction" => String(content, "emoji"),
            _ => null,
        };
    }

    private static DateTimeOffset Timestamp(JsonElement element) =>
        long.TryParse(String(element, "timestamp"), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : DateTimeOffset.UtcNow;

#pragma warning disable CA1859 // an absent array must read as empty, which ArrayEnumerator cannot express
    private static IEnumerable<JsonElement> Array(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var array) && array.ValueKind == JsonValueKind.Array
            ? array.EnumerateArray()
            : [];
#pragma warning restore CA1859

    private static string? String(JsonElement element, string name) =>
        element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out var value)
            ? value.ValueKind == JsonValueKind.String ? value.GetString() : value.ValueKind == JsonValueKind.Number ? value.GetRawText() : null
            : null;
}
