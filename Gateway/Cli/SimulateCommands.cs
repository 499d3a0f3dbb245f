using System.CommandLine;
using Spectre.Console;
using Engine.Simulator;
using Engine.Grains.Delivery;
using V1 = Engine.Gateway.Grpc.V1;

namespace Engine.Cli;

/// <summary>
/// engine simulate inbound: a person writing to a tenant, posted to the gateway's webhook signed exactly
/// as Twilio or Meta would sign it, with the tenant's auth token or app secret. For trying the engine and
/// for support: the webhook takes the same path as a real one.
/// </summary>
internal static class SimulateCommands
{
    public static Command Create()
    {
        var simulate = new Command("simulate", "Act as Twilio or Meta towards the engine");
        var tenant = LeadOptions.Tenant();
        var from = new Option<string>("--from") { Description = "The person's number (E.164)", Required = true };
        var body = new Option<string>("--body", "-b") { Description = "What they write", Required = true };
        var whatsApp = new Option<bool>("--whatsapp") { Description = "Write on WhatsApp (a Meta webhook) instead of SMS (a Twilio webhook)" };
        var secret = new Option<string?>("--secret")
        {
            Description = "The tenant's Twilio auth token, or with --whatsapp its Meta app secret, to sign with [env ENGINE_WEBHOOK_SECRET]",
        };
        var inbound = new Command("inbound", "Deliver an inbound message to the engine") { tenant, from, body, whatsApp, secret };
        inbound.SetCliAction(async (parsed, cli) =>
        {
            var signingSecret = parsed.GetValue(secret) ?? Environment.GetEnvironmentVariable("ENGINE_WEBHOOK_SECRET")
                ?? throw new CliInputException("--secret (or ENGINE_WEBHOOK_SECRET) is required: the tenant's Twilio auth token or Meta app secret");
            var tenantId = parsed.GetValue(tenant)!;
            var settings = (await new V1.TenantService.TenantServiceClient(cli.Channel).GetTenantAsync(new V1.GetTenantRequest { TenantId = tenantId }, cli.Call)).Settings;
            using var request = parsed.GetValue(whatsApp)
                ? SignedInboundWebhooks.WhatsApp(WebhookRoutes.WhatsAppUrl(cli.HttpUrl, tenantId),
                    settings.Whatsapp?.PhoneNumberId ?? throw new CliInputException($"tenant '{tenantId}' has no WhatsApp channel"), signingSecret, parsed.GetValue(from)!, parsed.GetValue(body)!)
                : SignedInboundWebhooks.Twilio(WebhookRoutes.TwilioInboundUrl(cli.HttpUrl, tenantId),
                    settings.Sms?.AccountSid ?? throw new CliInputException($"tenant '{tenantId}' has no SMS channel"), signingSecret, settings.Sms.FromNumber, parsed.GetValue(from)!, parsed.GetValue(body)!);
            using var http = new HttpClient();
            using var response = await http.SendAsync(request, cli.CancellationToken);
            var answer = await response.Content.ReadAsStringAsync(cli.CancellationToken);
            cli.Console.WriteLine($"{(int)response.StatusCode} from {request.RequestUri!.AbsolutePath}");
            if (response.IsSuccessStatusCode)
            {
                return EngineCommand.Done;
            }

            Console.Error.WriteLine($"engine: the webhook was refused: {answer}");
            return (int)response.StatusCode < 500 ? EngineCommand.BadInput : EngineCommand.Unreachable;
        });
        simulate.Subcommands.Add(inbound);
        return simulate;
    }
}
