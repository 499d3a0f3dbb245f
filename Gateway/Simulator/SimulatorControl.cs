using Engine.Gateway.Hosting;
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
            "sms" when settings?.Sms is { } sms => SignedInboundWebhooks.Twilio(
                WebhookRoutes.TwilioInboundUrl(baseUrl, inbound.Tenant), sms.AccountSid, sms.AuthToken, sms.FromNumber, inbound.From, inbound.Body),
            "whatsapp" when settings?.WhatsApp is { } whatsApp => SignedInboundWebhooks.WhatsApp(
                WebhookRoutes.WhatsAppUrl(baseUrl, inbound.Tenant), whatsApp.PhoneNumberId, whatsApp.AppSecret, inbound.From, inbound.Body),
            _ => null,
        };
        if (request is null)
        {
            return Results.Problem($"no tenant '{inbound.Tenant}' with a {inbound.Channel} channel", statusCode: StatusCodes.Status404NotFound);
        }

        using var response = await httpClients.CreateClient(nameof(ProviderSimulator)).SendAsync(request);
        return Results.Json(new { webhook = request.RequestUri!.AbsolutePath, status = (int)response.StatusCode }, statusCode: (int)response.StatusCode);
    }
}
