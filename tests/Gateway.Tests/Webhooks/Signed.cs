using System.Text;
using Engine.Simulator;

namespace Engine.Gateway.Tests.Webhooks;

/// <summary>Requests signed the way Twilio and Meta sign them.</summary>
internal static class Signed
{
    public static HttpRequestMessage Twilio(GatewayFixture fixture, TestTenant tenant, string path, IReadOnlyList<KeyValuePair<string, string>> fields, string? signatureOverride = null)
    {
        var signature = TwilioSignature.Compute(tenant.TwilioAuthToken, fixture.PublicBaseUrl + path, fields);
        var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("X-Twilio-Signature", signatureOverride ?? signature);
        return request;
    }

    public static HttpRequestMessage Meta(TestTenant tenant, string json, string? signatureOverride = null)
    {
        var body = Encoding.UTF8.GetBytes(json);
        var request = new HttpRequestMessage(HttpMethod.Post, $"/webhooks/whatsapp/{tenant.Id}")
        {
            Content = new ByteArrayContent(body) { Headers = { { "Content-Type", "application/json" } } },
        };
        request.Headers.Add("X-Hub-Signature-256", signatureOverride ?? MetaSignature.Compute(tenant.MetaAppSecret, body));
        return request;
    }

    public static List<KeyValuePair<string, string>> TwilioInbound(string sid, string from, string body, string to = "+14155550100") =>
    [
        new("ToCountry", "US"), new("SmsMessageSid", sid), new("NumMedia", "0"), new("SmsSid", sid), new("SmsStatus", "received"),
        new("Body", body), new("To", to), new("NumSegments", "1"), new("MessageSid", sid),
        new("AccountSid", "AC" + new string('7', 32)), new("From", from), new("ApiVersion", "2010-04-01"),
    ];
}
