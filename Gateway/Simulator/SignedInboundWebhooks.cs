using System.Globalization;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Engine.Simulator;

/// <summary>
/// A person's message to a business, as the webhook Twilio (form fields, X-Twilio-Signature) or Meta (a
/// notification, X-Hub-Signature-256) would post it, signed with the tenant's own secret. Shared by the
/// embedded gateway's /simulator/inbound and the CLI's `engine simulate inbound`.
/// </summary>
public static class SignedInboundWebhooks
{
    /// <summary>A file the person attaches; <see cref="ContentType"/> picks WhatsApp's message type.</summary>
    public sealed record Attachment(string Url, string ContentType);

    /// <summary>Twilio's inbound message webhook to <paramref name="url"/>, from a person to the business number <paramref name="to"/>.</summary>
    public static HttpRequestMessage Twilio(string url, string accountSid, string authToken, string to, string from, string body, Attachment? media = null)
    {
        var sid = (media is null ? "SM" : "MM") + Guid.NewGuid().ToString("N");
        KeyValuePair<string, string>[] fields =
        [
            new("MessageSid", sid), new("SmsMessageSid", sid), new("SmsSid", sid), new("AccountSid", accountSid),
            new("From", from), new("To", to), new("Body", body), new("NumMedia", media is null ? "0" : "1"), new("NumSegments", "1"),
            new("SmsStatus", "received"), new("ApiVersion", "2010-04-01"),
            .. media is null ? [] : new KeyValuePair<string, string>[] { new("MediaUrl0", media.Url), new("MediaContentType0", media.ContentType) },
        ];
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("X-Twilio-Signature", TwilioSignature.Compute(authToken, url, fields));
        return request;
    }

    /// <summary>
    /// Meta's notification of one message to <paramref name="url"/>, from a person to the business number
    /// <paramref name="phoneNumberId"/>: text, or media with the body as its caption (Meta sends a media id,
    /// not the URL, and the SHA-256 of the file, here of the URL's text).
    /// </summary>
    public static HttpRequestMessage WhatsApp(string url, string phoneNumberId, string appSecret, string from, string body, Attachment? media = null)
    {
        var waId = from.TrimStart('+');
        var kind = media?.ContentType.Split('/')[0];
        var type = media is null ? "text" : kind is "image" or "video" or "audio" ? kind : "document";
        var message = new JsonObject
        {
            ["from"] = waId,
            ["id"] = "wamid." + Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('='),
            ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["type"] = type,
            [type] = media is null ? new JsonObject { ["body"] = body } : new JsonObject
            {
                ["caption"] = body,
                ["mime_type"] = media.ContentType,
                ["sha256"] = Convert.ToBase64String(SHA256.HashData(Encoding.UTF8.GetBytes(media.Url))),
                ["id"] = Guid.NewGuid().ToString("N"),
            },
        };
        var contact = new JsonObject { ["profile"] = new JsonObject { ["name"] = "Simulated person" }, ["wa_id"] = waId };
        var notification = MetaNotifications.Build(phoneNumberId, new JsonObject { ["contacts"] = new JsonArray(contact), ["messages"] = new JsonArray(message) });
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(notification) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Hub-Signature-256", MetaSignature.Compute(appSecret, notification));
        return request;
    }
}
