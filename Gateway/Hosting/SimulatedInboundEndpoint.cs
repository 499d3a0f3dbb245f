using Engine.Grains.Delivery;
using Engine.Grains.Options;
using Engine.Grains.Tenants;
using Engine.Simulator;
using Microsoft.Extensions.Options;

namespace Engine.Gateway.Hosting;

/// <summary>A person writing to a tenant: what POST /simulator/inbound takes.</summary>
/// <param name="Tenant">The tenant written to.</param>
/// <param name="From">The person's number (E.164).</param>
/// <param name="Body">What they wrote.</param>
/// <param name="Channel">"sms" (a Twilio webhook) or "whatsapp" (a Meta webhook).</param>
/// <param name="MediaUrl">A file attached (an MMS, or a WhatsApp media message with the body as caption).</param>
/// <param name="MediaContentType">The attached file's type, e.g. "image/jpeg".</param>
public sealed record SimulatedInbound(string Tenant, string From, string Body, string Channel = "sms", string? MediaUrl = null, string? MediaContentType = null);

/// <summary>
/// POST /simulator/inbound of the embedded gateway: a person writes to a tenant. The message is built and
/// signed exactly as Twilio (X-Twilio-Signature) or Meta (X-Hub-Signature-256) would, with the tenant's own
/// secrets, and posted to the gateway's public webhook URL, so it takes the same path as a real one. It
/// lives here, not in the simulator, because only the gateway knows its tenants' secrets and URL.
/// </summary>
internal static class SimulatedInboundEndpoint
{
    public static IEndpointRouteBuilder MapSimulatedInbound(this IEndpointRouteBuilder app, string route)
    {
        app.MapPost(route, DeliverAsync);
        return app;
    }

    private static async Task<IResult> DeliverAsync(
        SimulatedInbound inbound, TenantCache tenants, IHttpClientFactory httpClients, IOptions<EngineSettings> engine, IOptions<GatewaySettings> gateway)
    {
        if (inbound.Channel is not ("sms" or "whatsapp"))
        {
            return Results.Problem("channel must be 'sms' or 'whatsapp'", statusCode: StatusCodes.Status400BadRequest);
        }

        var media = inbound.MediaUrl is { } mediaUrl ? new SignedInboundWebhooks.Attachment(mediaUrl, inbound.MediaContentType ?? "application/octet-stream") : null;
        var settings = await tenants.FindSettingsAsync(inbound.Tenant);
        var baseUrl = (engine.Value.PublicBaseUrl ?? gateway.Value.HttpUrl).TrimEnd('/');
        using var request = inbound.Channel switch
        {
            "sms" when settings?.Sms is { } sms => SignedInboundWebhooks.Twilio(
                WebhookRoutes.TwilioInboundUrl(baseUrl, inbound.Tenant), sms.AccountSid, sms.AuthToken, sms.FromNumber, inbound.From, inbound.Body, media),
            "whatsapp" when settings?.WhatsApp is { } whatsApp => SignedInboundWebhooks.WhatsApp(
                WebhookRoutes.WhatsAppUrl(baseUrl, inbound.Tenant), whatsApp.PhoneNumberId, whatsApp.AppSecret, inbound.From, inbound.Body, media),
            _ => null,
        };
        if (request is null)
        {
            return Results.Problem($"no tenant '{inbound.Tenant}' with a {inbound.Channel} channel", statusCode: StatusCodes.Status404NotFound);
        }

        using var response = await httpClients.CreateClient().SendAsync(request);
        return Results.Json(new { webhook = request.RequestUri!.AbsolutePath, status = (int)response.StatusCode }, statusCode: (int)response.StatusCode);
    }
}
