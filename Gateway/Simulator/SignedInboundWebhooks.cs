using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;

namespace Engine.Simulator;

/// <summary>
/// A person's message to a business, as the webhook Twilio (form fields, X-Twilio-Signature) or Meta (a
/// notification, X-Hub-Signature-256) would post it, signed with the tenant's own secret. Shared by the
/// embedded gateway's /simulator/inbound and the CLI's `engine simulate inbound`.
/// </summary>
public static class SignedInboundWebhooks
{
    /// <summary>Twilio's inbound message webhook to <paramref name="url"/>, from a person to the business number <paramref name="to"/>.</summary>
    public static HttpRequestMessage Twilio(string url, string accountSid, string authToken, string to, string from, string body)
    {
        var sid = "SM" + Guid.NewGuid().ToString("N");
        KeyValuePair<string, string>[] fields =
        [
            new("MessageSid", sid), new("SmsMessageSid", sid), new("SmsSid", sid), new("AccountSid", accountSid),
            new("From", from), new("To", to), new("Body", body), new("NumMedia", "0"), new("NumSegments", "1"),
            new("SmsStatus", "received"), new("ApiVersion", "2010-04-01"),
        ];
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("X-Twilio-Signature", TwilioSignature.Compute(authToken, url, fields));
        return request;
    }

    /// <summary>Meta's notification of one text message to <paramref name="url"/>, from a person to the business number <paramref name="phoneNumberId"/>.</summary>
    public static HttpRequestMessage WhatsApp(string url, string phoneNumberId, string appSecret, string from, string body)
    {
        var waId = from.TrimStart('+');
        var message = new JsonObject
        {
            ["from"] = waId,
            ["id"] = "wamid." + Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('='),
            ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["type"] = "text",
            ["text"] = new JsonObject { ["body"] = body },
        };
        var contact = new JsonObject { ["profile"] = new JsonObject { ["name"] = "Simulated person" }, ["wa_id"] = waId };
        var notification = MetaNotifications.Build(phoneNumberId, new JsonObject { ["contacts"] = new JsonArray(contact), ["messages"] = new JsonArray(message) });
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(notification) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Hub-Signature-256", MetaSignature.Compute(appSecret, notification));
        return request;
    }
}
