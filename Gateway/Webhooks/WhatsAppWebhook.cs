using System.Globalization;
using System.Text.Json;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Policies;

namespace Engine.Gateway.Webhooks;

/// <summary>One message from a WhatsApp user.</summary>
internal sealed record WhatsAppInbound(string PhoneNumberId, string LeadPhone, string MessageId, string Type, string? Body, DateTimeOffset SentAt, string? ProfileName);

/// <summary>A status of one of our outbound WhatsApp messages.</summary>
internal sealed record WhatsAppStatus(string PhoneNumberId, string LeadPhone, string MessageId, DeliveryStatus Status, string? ErrorCode, DateTimeOffset At);

/// <summary>Everything one notification POST carries: any number of entries, changes, messages and statuses.</summary>
internal sealed record WhatsAppNotification(IReadOnlyList<WhatsAppInbound> Messages, IReadOnlyList<WhatsAppStatus> Statuses);

/// <summary>Reads Meta's webhook JSON. Unknown message types are kept with their type; unknown statuses are skipped.</summary>
internal static class WhatsAppWebhook
{
    public static (WhatsAppNotification? Notification, string? Error) Parse(ReadOnlySpan<byte> body)
    {
        try
        {
            using var document = JsonDocument.Parse(body.ToArray());
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("entry", out var entries) || entries.ValueKind != JsonValueKind.Array)
            {
                return (null, "the body has no 'entry' array");
            }

            var messages = new List<WhatsAppInbound>();
            var statuses = new List<WhatsAppStatus>();
            foreach (var value in entries.EnumerateArray()
                .SelectMany(entry => Array(entry, "changes"))
                .Where(change => String(change, "field") is null or "messages")
                .Select(change => change.TryGetProperty("value", out var v) ? v : default)
                .Where(value => value.ValueKind == JsonValueKind.Object))
            {
                var phoneNumberId = value.TryGetProperty("metadata", out var metadata) ? String(metadata, "phone_number_id") : null;
                if (phoneNumberId is null)
                {
                    return (null, "a change has no metadata.phone_number_id");
                }

                var names = Array(value, "contacts")
                    .Where(c => String(c, "wa_id") is not null)
                    .ToDictionary(c => String(c, "wa_id")!, c => c.TryGetProperty("profile", out var p) ? String(p, "name") : null);
                foreach (var message in Array(value, "messages"))
                {
                    var (inbound, error) = ReadMessage(phoneNumberId, message, names);
                    if (error is not null)
                    {
                        return (null, error);
                    }

                    messages.Add(inbound!);
                }

                foreach (var status in Array(value, "statuses"))
                {
                    var (parsed, error) = ReadStatus(phoneNumberId, status);
                    if (error is not null)
                    {
                        return (null, error);
                    }

                    if (parsed is not null)
                    {
                        statuses.Add(parsed);
                    }
                }
            }

            return (new WhatsAppNotification(messages, statuses), null);
        }
        catch (JsonException e)
        {
            return (null, $"the body is not valid JSON: {e.Message}");
        }
    }

    private static (WhatsAppInbound?, string?) ReadMessage(string phoneNumberId, JsonElement message, Dictionary<string, string?> names)
    {
        var (from, id, type) = (String(message, "from"), String(message, "id"), String(message, "type") ?? "unknown");
        if (from is null || id is null)
        {
            return (null, "a message has no 'from' or 'id'");
        }

        var lead = PhoneNumberNormalizer.NormalizeWhatsAppId(from);
        if (!lead.IsValid)
        {
            return (null, $"messages[].from: {lead.Error}");
        }

        return (new WhatsAppInbound(phoneNumberId, lead.E164!, id, type, BodyOf(message, type), Timestamp(message), names.GetValueOrDefault(from)), null);
    }

    private static (WhatsAppStatus?, string?) ReadStatus(string phoneNumberId, JsonElement status)
    {
        var (id, recipient, state) = (String(status, "id"), String(status, "recipient_id"), String(status, "status"));
        if (id is null || recipient is null || state is null)
        {
            return (null, "a status has no 'id', 'recipient_id' or 'status'");
        }

        var lead = PhoneNumberNormalizer.NormalizeWhatsAppId(recipient);
        if (!lead.IsValid)
        {
            return (null, $"statuses[].recipient_id: {lead.Error}");
        }

        DeliveryStatus? mapped = state switch
        {
            "sent" => DeliveryStatus.Sent,
            "delivered" => DeliveryStatus.Delivered,
            "read" => DeliveryStatus.Read,
            "failed" => DeliveryStatus.Failed,
            _ => null, // newer states (e.g. "deleted") are acknowledged and ignored
        };
        var errorCode = Array(status, "errors").Select(e => e.TryGetProperty("code", out var c) ? c.ToString() : null).FirstOrDefault(c => c is not null);
        return (mapped is { } s ? new WhatsAppStatus(phoneNumberId, lead.E164!, id, s, errorCode, Timestamp(status)) : null, null);
    }

    // The text a person would read, for the types that have one.
    private static string? BodyOf(JsonElement message, string type)
    {
        if (!message.TryGetProperty(type, out var content))
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
