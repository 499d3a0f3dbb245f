using System.Text;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Delivery;
using Engine.Grains.Leads;
using Engine.Simulator;

namespace Engine.Gateway.Webhooks;

/// <summary>
/// Provider webhooks. Order of checks: tenant (404), body size (413, nothing read past the cap or
/// stored), signature over the raw request (403), a body that
/// is not the provider's webhook at all (400), then each item on its own: an item that cannot be used
/// is recorded in the rejected-webhook log and acknowledged, so the provider neither retries it forever
/// nor drops the good items batched with it. Anything that fails after that answers 5xx so the provider
/// retries (503 with Retry-After when the cluster is unavailable); every step is idempotent, so the
/// retry completes what the failed attempt left undone.
/// </summary>
internal static partial class WebhookEndpoints
{
    private const string EmptyTwiml = """<?xml version="1.0" encoding="UTF-8"?><Response/>""";

    public static IEndpointRouteBuilder MapWebhookEndpoints(this IEndpointRouteBuilder app)
    {
        var webhooks = app.MapGroup(WebhookRoutes.Prefix)
            .AddEndpointFilter<WebhookTracingFilter>()
            .AddEndpointFilter<ClusterUnavailableFilter>();
        webhooks.MapPost(WebhookRoutes.TwilioInbound, TwilioInboundAsync);
        webhooks.MapPost(WebhookRoutes.TwilioStatus, TwilioStatusAsync);
        webhooks.MapGet(WebhookRoutes.WhatsApp, WhatsAppVerifyAsync);
        webhooks.MapPost(WebhookRoutes.WhatsApp, WhatsAppNotificationAsync);
        return app;
    }

    private static async Task<IResult> TwilioInboundAsync(string tenant, HttpContext http, WebhookContext context)
    {
        var (form, rejection) = await ReadVerifiedTwilioAsync(tenant, http, context);
        if (rejection is not null)
        {
            return rejection;
        }

        var (message, invalid) = TwilioWebhook.ParseInbound(form!);
        if (message is null)
        {
            await context.RecordRejectedAsync(tenant, Provider.Twilio, [invalid!]);
            return Twiml();
        }

        var conversation = context.Cluster.GetGrain<IConversationGrain>(GrainKeys.Conversation(tenant, message.LeadPhone, message.Channel));
        await context.ProcessOnceAsync("twilio", "message", $"{tenant}:twilio:{message.MessageSid}", () => conversation.ReceiveAsync(
            new InboundMessage(
                Provider.Twilio, message.MessageSid, message.MessageType, message.Body, context.Time.GetUtcNow(), message.ProfileName, message.OptOutType, Media: message.Media)));
        return Twiml();
    }

    private static async Task<IResult> TwilioStatusAsync(string tenant, HttpContext http, WebhookContext context)
    {
        var (form, rejection) = await ReadVerifiedTwilioAsync(tenant, http, context);
        if (rejection is not null)
        {
            return rejection;
        }

        var (status, invalid) = TwilioWebhook.ParseStatus(form!);
        if (status is null)
        {
            await context.RecordRejectedAsync(tenant, Provider.Twilio, [invalid!]);
            return Twiml();
        }

        var conversation = context.Cluster.GetGrain<IConversationGrain>(GrainKeys.Conversation(tenant, status.LeadPhone, status.Channel));
        var engineMessageId = Guid.TryParse(http.Request.Query[WebhookRoutes.MessageIdParameter], out var ours) ? ours : (Guid?)null;
        await context.ProcessStatusAsync("twilio", () => conversation.ApplyStatusAsync(
            new StatusReport(Provider.Twilio, status.MessageSid, status.Status, status.ErrorCode, context.Time.GetUtcNow(), engineMessageId)));
        return Twiml();
    }

    private static async Task<IResult> WhatsAppVerifyAsync(string tenant, HttpRequest request, WebhookContext context)
    {
        if (await context.Tenants.FindSettingsAsync(tenant) is not { WhatsApp: { } whatsApp })
        {
            return context.Reject("meta", "unknown_tenant", StatusCodes.Status404NotFound, $"no tenant '{tenant}' with a WhatsApp channel");
        }

        var token = request.Query["hub.verify_token"].ToString();
        if (request.Query["hub.mode"] != "subscribe" ||
            !System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(token), Encoding.UTF8.GetBytes(whatsApp.VerifyToken)))
        {
            return context.Reject("meta", "bad_verify_token", StatusCodes.Status403Forbidden, "hub.mode must be 'subscribe' and hub.verify_token must match");
        }

        return Results.Text(request.Query["hub.challenge"].ToString(), "text/plain");
    }

    private static async Task<IResult> WhatsAppNotificationAsync(string tenant, HttpRequest request, WebhookContext context)
    {
        if (await context.Tenants.FindSettingsAsync(tenant) is not { WhatsApp: { } whatsApp })
        {
            return context.Reject("meta", "unknown_tenant", StatusCodes.Status404NotFound, $"no tenant '{tenant}' with a WhatsApp channel");
        }

        if (await WebhookBody.ReadAsync(request, WebhookBody.MetaLimit) is not { } body)
        {
            return context.Reject("meta", "too_large", StatusCodes.Status413PayloadTooLarge, WebhookBody.Describe(WebhookBody.MetaLimit));
        }

        if (!MetaSignature.IsValid(whatsApp.AppSecret, body, request.Headers["X-Hub-Signature-256"]))
        {
            return context.Reject("meta", "bad_signature", StatusCodes.Status403Forbidden, "X-Hub-Signature-256 is missing or does not match the body");
        }

        var (notification, error) = WhatsAppWebhook.Parse(body);
        if (notification is null)
        {
            return context.Reject("meta", "malformed", StatusCodes.Status400BadRequest, error!);
        }

        // Changes for another business number are not this tenant's; acknowledge and skip them. Items of
        // a change that names no number came with this tenant's signature, so they are recorded here.
        await context.RecordRejectedAsync(tenant, Provider.Meta, notification.Invalid
            .Where(i => i.PhoneNumberId is null || i.PhoneNumberId == whatsApp.PhoneNumberId)
            .Select(i => i.Item)
            .ToArray());
        var messages = notification.Messages.Where(m => m.PhoneNumberId == whatsApp.PhoneNumberId).ToArray();
        var statuses = notification.Statuses.Where(s => s.PhoneNumberId == whatsApp.PhoneNumberId).ToArray();

        // Each person's lead, found by number or user id; items naming only a number need no look-up.
        var leads = (await Task.WhenAll(messages.Select(m => m.Lead).Concat(statuses.Select(s => s.Recipient)).Distinct()
                .Select(async identity => (identity, Address: await WhatsAppUsers.ResolveAsync(context.Cluster, tenant, identity)))))
            .ToDictionary(l => l.identity, l => l.Address);
        var work = messages.Select(m => (Lead: leads[m.Lead], Run: (Func<Task>)(() => context.ProcessOnceAsync("meta", "message", $"{tenant}:meta:{m.MessageId}",
                () => Conversation(context, tenant, leads[m.Lead]).ReceiveAsync(
                    new InboundMessage(Provider.Meta, m.MessageId, m.Type, m.Body, m.SentAt, m.ProfileName, Identity: m.Lead, Media: m.Media))))))
            .Concat(statuses.Select(s => (Lead: leads[s.Recipient], Run: (Func<Task>)(() => context.ProcessStatusAsync("meta",
                () => Conversation(context, tenant, leads[s.Recipient]).ApplyStatusAsync(
                    new StatusReport(Provider.Meta, s.MessageId, s.Status, s.ErrorCode, s.At, s.EngineMessageId)))))));

        // Conversations are independent; within one, items keep the order Meta sent them in.
        await Task.WhenAll(work.GroupBy(w => w.Lead).Select(async group =>
        {
            foreach (var item in group)
            {
                await item.Run();
            }
        }));
        return Results.Ok();
    }

    private static IConversationGrain Conversation(WebhookContext context, string tenant, string leadAddress) =>
        context.Cluster.GetGrain<IConversationGrain>(GrainKeys.Conversation(tenant, leadAddress, Channel.WhatsApp));

    private static async Task<(IReadOnlyDictionary<string, string>? Form, IResult? Rejection)> ReadVerifiedTwilioAsync(
        string tenant, HttpContext http, WebhookContext context)
    {
        if (await context.Tenants.FindSettingsAsync(tenant) is not { Sms: { } twilio })
        {
            return (null, context.Reject("twilio", "unknown_tenant", StatusCodes.Status404NotFound, $"no tenant '{tenant}' with a Twilio channel"));
        }

        var request = http.Request;
        if (await WebhookBody.ReadAsync(request, WebhookBody.TwilioLimit) is not { } body)
        {
            return (null, context.Reject("twilio", "too_large", StatusCodes.Status413PayloadTooLarge, WebhookBody.Describe(WebhookBody.TwilioLimit)));
        }

        var url = context.PublicUrl(http);
        var signature = request.Headers["X-Twilio-Signature"].ToString();
        if (request.HasJsonContentType())
        {
            if (!TwilioSignature.IsValidJson(twilio.AuthToken, url, body, signature))
            {
                return (null, context.Reject("twilio", "bad_signature", StatusCodes.Status403Forbidden, "X-Twilio-Signature or bodySHA256 does not match"));
            }

            var fields = JsonFields(body);
            return fields is null
                ? (null, context.Reject("twilio", "malformed", StatusCodes.Status400BadRequest, "the body is not a JSON object of fields"))
                : (fields, null);
        }

        if (!request.HasFormContentType)
        {
            return (null, context.Reject("twilio", "malformed", StatusCodes.Status400BadRequest, "expected application/x-www-form-urlencoded"));
        }

        request.Body = new MemoryStream(body); // the form is parsed from the capped copy
        var form = await request.ReadFormAsync();
        var pairs = form.SelectMany(field => field.Value.Select(value => KeyValuePair.Create(field.Key, value ?? ""))).ToArray();
        if (!TwilioSignature.IsValid(twilio.AuthToken, url, pairs, signature))
        {
            return (null, context.Reject("twilio", "bad_signature", StatusCodes.Status403Forbidden, "X-Twilio-Signature is missing or does not match"));
        }

        return (form.ToDictionary(f => f.Key, f => f.Value.ToString(), StringComparer.Ordinal), null);
    }

    private static Dictionary<string, string>? JsonFields(byte[] body)
    {
        try
        {
            using var document = System.Text.Json.JsonDocument.Parse(body);
            return document.RootElement.ValueKind != System.Text.Json.JsonValueKind.Object ? null :
                document.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString(), StringComparer.Ordinal);
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }

    private static IResult Twiml() => Results.Text(EmptyTwiml, "text/xml", Encoding.UTF8);
}
