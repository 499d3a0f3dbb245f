using System.Globalization;
using System.Text.Json;
using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Policies;

namespace Engine.Gateway.Webhooks;

/// <summary>
/// Reads Meta's webhook JSON. Only a body that is not a notification at all is an error; each message
/// or status is judged on its own, and an unusable one is returned as invalid next to the good ones.
/// Unknown message types are kept with their type; unknown statuses are skipped.
/// </summary>
internal static class WhatsAppWebhook
{
    public const string MessageKind = "message";
    public const string StatusKind = "status";

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
                var contacts = Contacts(value);
                foreach (var message in Array(value, "messages"))
                {
                    var (inbound, problem) = ReadMessage(phoneNumberId, message, contacts);
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

    private static (WhatsAppInbound?, (string Code, string Reason)?) ReadMessage(string? phoneNumberId, JsonElement message, IReadOnlyList<Contact> contacts)
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

        var (from, userId) = (String(message, "from"), String(message, "from_user_id"));
        var contact = contacts.FirstOrDefault(c => (from is not null && (c.WaId == from || c.UserId == from)) || (userId is not null && c.UserId == userId))
            ?? (contacts.Count == 1 ? contacts[0] : null);
        var (lead, problem) = IdentityOf("messages[].from", "from", from, userId, String(message, "from_parent_user_id"), contact);
        if (lead is null)
        {
            return (null, problem);
        }

        var type = String(message, "type") ?? "unknown";
        return (new WhatsAppInbound(phoneNumberId, lead, id, type, BodyOf(message, type), Timestamp(message), contact?.Name, MediaOf(message, type)), null);
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

        var (lead, problem) = IdentityOf(
            "statuses[].recipient_id", "recipient_id", String(status, "recipient_id"), String(status, "recipient_user_id"), String(status, "recipient_parent_user_id"), contact: null);
        if (lead is null)
        {
            return (null, problem);
        }

        var errorCode = Array(status, "errors")
            .Select(e => e.ValueKind == JsonValueKind.Object && e.TryGetProperty("code", out var c) ? c.ToString() : null)
            .FirstOrDefault(c => c is not null);
        var engineMessageId = Guid.TryParse(String(status, "biz_opaque_callback_data"), out var ours) ? ours : (Guid?)null;
        return (new WhatsAppStatus(phoneNumberId, lead, id, mapped, errorCode, Timestamp(status), engineMessageId), null);
    }

    private static DeliveryStatus? MapStatus(string state) => state switch
    {
        "sent" => DeliveryStatus.Sent,
        "delivered" => DeliveryStatus.Delivered,
        "read" => DeliveryStatus.Read,
        "failed" => DeliveryStatus.Failed,
        _ => null,
    };

    // Who an item is about: a number, a business-scoped user id (a user with a username may come
    // without a number, or with the user id in 'from' itself), its parent id, or several of them.
    private static (LeadIdentity? Lead, (string Code, string Reason)? Problem) IdentityOf(
        string field, string code, string? from, string? userId, string? parentUserId, Contact? contact)
    {
        string? phone = null;
        if (!string.IsNullOrWhiteSpace(from))
        {
            if (LeadAddress.IsWhatsAppUserId(from))
            {
                userId ??= from;
            }
            else
            {
                var number = PhoneNumberNormalizer.NormalizeWhatsAppId(from);
                if (!number.IsValid)
                {
                    return (null, ($"invalid_{code}", $"{field}: {number.Error}"));
                }

                phone = number.E164;
            }
        }

        if (phone is null && contact?.WaId is { } waId && !LeadAddress.IsWhatsAppUserId(waId) && PhoneNumberNormalizer.NormalizeWhatsAppId(waId) is { IsValid: true } contactNumber)
        {
            phone = contactNumber.E164;
        }

        userId = string.IsNullOrWhiteSpace(userId) ? contact?.UserId : userId;
        parentUserId = string.IsNullOrWhiteSpace(parentUserId) ? contact?.ParentUserId : parentUserId;
        foreach (var id in new[] { userId, parentUserId }.OfType<string>())
        {
            if (!LeadAddress.IsWhatsAppUserId(id))
            {
                return (null, ("invalid_user_id", $"'{id}' is not a WhatsApp business-scoped user id"));
            }
        }

        return phone is null && userId is null && parentUserId is null
            ? (null, ($"missing_{code}", $"{field} is missing and the item names no user id"))
            : (new LeadIdentity(phone, userId, parentUserId, contact?.Username), null);
    }

    private sealed record Contact(string? WaId, string? UserId, string? ParentUserId, string? Name, string? Username);

    private static List<Contact> Contacts(JsonElement value) => Array(value, "contacts")
        .Where(contact => contact.ValueKind == JsonValueKind.Object)
        .Select(contact =>
        {
            var profile = contact.TryGetProperty("profile", out var p) ? p : default;
            var username = String(profile, "username")?.TrimStart('@');
            return new Contact(String(contact, "wa_id"), String(contact, "user_id"), String(contact, "parent_user_id"), String(profile, "name"),
                string.IsNullOrWhiteSpace(username) ? null : username);
        })
        .ToList();

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

    // The media object Meta puts under the type's name; the bytes wait behind the id at the Graph API.
    private static IReadOnlyList<MediaAttachment> MediaOf(JsonElement message, string type) =>
        type is "image" or "video" or "document" or "audio" or "sticker" && message.TryGetProperty(type, out var media) && media.ValueKind == JsonValueKind.Object
            ? [new MediaAttachment(Url: null, String(media, "mime_type"), String(media, "id"), String(media, "caption"), String(media, "sha256"), String(media, "filename"))]
            : [];

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
