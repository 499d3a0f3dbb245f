using System.Globalization;
using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Engine.Gateway.Hosting;
using Engine.Gateway.Webhooks;
using Engine.Grains.Delivery;
using Engine.Grains.Options;
using Engine.Grains.Tenants;
using Microsoft.Extensions.Options;

namespace Engine.Gateway.Simulator;

/// <summary>A person writing to a tenant: what POST /simulator/inbound takes.</summary>
/// <param name="Tenant">The tenant written to.</param>
/// <param name="From">The person's number (E.164).</param>
/// <param name="Body">What they wrote.</param>
/// <param name="Channel">"sms" (a Twilio webhook) or "whatsapp" (a Meta webhook).</param>
public sealed record SimulatedInbound(string Tenant, string From, string Body, string Channel = "sms");

/// <summary>
/// The simulator's own endpoints, beside the provider APIs it imitates: inject faults, list what was
/// sent, and make a person write to a tenant. An inbound message is built and signed exactly as Twilio
/// (X-Twilio-Signature) or Meta (X-Hub-Signature-256) would, with the tenant's own secrets, and posted
/// to the gateway's public webhook URL, so it takes the same path as a real one.
/// </summary>
internal static class SimulatorControl
{
    public static IEndpointRouteBuilder Map(IEndpointRouteBuilder app, string prefix)
    {
        var routes = app.MapGroup(prefix);
        routes.MapPost("/faults", (SimulatedFault fault, ProviderSimulator simulator) =>
        {
            simulator.Inject(fault);
            return Results.NoContent();
        });
        routes.MapGet("/messages", (ProviderSimulator simulator) => simulator.Sent);
        routes.MapPost("/inbound", DeliverAsync);
        return app;
    }

    private static async Task<IResult> DeliverAsync(
        SimulatedInbound inbound, TenantCache tenants, IHttpClientFactory httpClients, IOptions<EngineSettings> engine, IOptions<GatewaySettings> gateway)
    {
        if (inbound.Channel is not ("sms" or "whatsapp"))
        {
            return Results.Problem("channel must be 'sms' or 'whatsapp'", statusCode: StatusCodes.Status400BadRequest);
        }

        var settings = await tenants.FindSettingsAsync(inbound.Tenant);
        var baseUrl = (engine.Value.PublicBaseUrl ?? gateway.Value.HttpUrl).TrimEnd('/');
        using var request = inbound.Channel switch
        {
            "sms" when settings?.Sms is { } sms => TwilioInbound(baseUrl, inbound, sms.AccountSid, sms.AuthToken, sms.FromNumber),
            "whatsapp" when settings?.WhatsApp is { } whatsApp => MetaInbound(baseUrl, inbound, whatsApp.PhoneNumberId, whatsApp.AppSecret),
            _ => null,
        };
        if (request is null)
        {
            return Results.Problem($"no tenant '{inbound.Tenant}' with a {inbound.Channel} channel", statusCode: StatusCodes.Status404NotFound);
        }

        using var response = await httpClients.CreateClient(nameof(ProviderSimulator)).SendAsync(request);
        return Results.Json(new { webhook = request.RequestUri!.AbsolutePath, status = (int)response.StatusCode }, statusCode: (int)response.StatusCode);
    }

    private static HttpRequestMessage TwilioInbound(string baseUrl, SimulatedInbound inbound, string accountSid, string authToken, string to)
    {
        var url = baseUrl + WebhookRoutes.Prefix + WebhookRoutes.TwilioInbound.Replace("{tenant}", inbound.Tenant, StringComparison.Ordinal);
        var sid = "SM" + Guid.NewGuid().ToString("N");
        KeyValuePair<string, string>[] fields =
        [
            new("MessageSid", sid), new("SmsMessageSid", sid), new("SmsSid", sid), new("AccountSid", accountSid),
            new("From", inbound.From), new("To", to), new("Body", inbound.Body), new("NumMedia", "0"), new("NumSegments", "1"),
            new("SmsStatus", "received"), new("ApiVersion", "2010-04-01"),
        ];
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("X-Twilio-Signature", TwilioSignature.Compute(authToken, url, fields));
        return request;
    }

    private static HttpRequestMessage MetaInbound(string baseUrl, SimulatedInbound inbound, string phoneNumberId, string appSecret)
    {
        var url = baseUrl + WebhookRoutes.Prefix + WebhookRoutes.WhatsApp.Replace("{tenant}", inbound.Tenant, StringComparison.Ordinal);
        var waId = inbound.From.TrimStart('+');
        var message = new JsonObject
        {
            ["from"] = waId,
            ["id"] = "wamid." + Convert.ToBase64String(Guid.NewGuid().ToByteArray()).TrimEnd('='),
            ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
            ["type"] = "text",
            ["text"] = new JsonObject { ["body"] = inbound.Body },
        };
        var contact = new JsonObject { ["profile"] = new JsonObject { ["name"] = "Simulated person" }, ["wa_id"] = waId };
        var body = MetaNotifications.Build(phoneNumberId, new JsonObject { ["contacts"] = new JsonArray(contact), ["messages"] = new JsonArray(message) });
        var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        request.Headers.Add("X-Hub-Signature-256", MetaSignature.Compute(appSecret, body));
        return request;
    }
}
