using System.Diagnostics;
using System.Net;
using Engine.Gateway.Grpc.V1;
using Engine.Gateway.Tests.Events;
using Engine.Gateway.Tests.Webhooks;
using Engine.Grains.Telemetry;
using Engine.TestSupport;

namespace Engine.Gateway.Tests.Telemetry;

[Collection(TracingCollection.Name)]
public sealed class TracingTests(TracingFixture fixture)
{
    [Fact]
    public async Task SignedWebhook_IsOneTrace_FromGatewayThroughSiloToTheProviderCall()
    {
        var tenant = await fixture.CreateTenantAsync();
        const string phone = "+12125559087";

        var response = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}",
            Signed.TwilioInbound($"SM{Guid.NewGuid():N}", phone, "HELP")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var reply = await Eventually.GetAsync(() => Task.FromResult(fixture.Simulator.Simulator.Sent.SingleOrDefault(m => m.To == phone && m.Provider == "twilio")),
            sent => sent is not null, TimeSpan.FromSeconds(30), "the HELP reply at the simulator");
        // The first webhook span of the tenant; the simulator's status callbacks for the reply follow in the same trace.
        var webhook = fixture.Spans.Where(s => s.Source.Name == EngineTelemetry.SourceName && s.DisplayName == "webhook twilio" && Tag(s, EngineTelemetry.TenantId) == tenant.Id)
            .MinBy(s => s.StartTimeUtc)!;
        // Spans are recorded when they end, and the hand-off ends after the simulator answered it: wait for both.
        var trace = await Eventually.GetAsync(() => Task.FromResult(fixture.Spans.Where(s => s.TraceId == webhook.TraceId).ToArray()),
            spans => spans.Any(s => s.DisplayName == "hand-off twilio")
                && spans.Any(s => s.Kind == ActivityKind.Server && s.DisplayName.StartsWith("POST", StringComparison.Ordinal) && s.ParentSpanId != default),
            TimeSpan.FromSeconds(10), "the hand-off and the simulator's span in the webhook's trace");

        // Gateway: the webhook request and the grain call it makes.
        var request = Assert.Single(trace, s => s.Source.Name == "Microsoft.AspNetCore" && s.SpanId == webhook.ParentSpanId);
        Assert.Equal($"/webhooks/twilio/{tenant.Id}", Tag(request, "url.path"));
        Assert.Contains(trace, s => s.Source.Name == "Microsoft.Orleans.Application" && s.Kind == ActivityKind.Client && IsBelow(s, webhook, trace));
        // Silo: the conversation grain, through the sender to the hand-off, which calls the provider.
        var conversation = Assert.Single(trace, s => s.DisplayName == "conversation ReceiveAsync");
        Assert.Equal(tenant.Id, Tag(conversation, EngineTelemetry.TenantId));
        Assert.Contains(trace, s => s.Source.Name == "Microsoft.Orleans.Application" && s.Kind == ActivityKind.Server && IsBelow(conversation, s, trace));
        Assert.Contains(trace, s => s.DisplayName == "sender EnqueueAsync" && IsBelow(s, conversation, trace));
        var handOff = Assert.Single(trace, s => s.DisplayName == "hand-off twilio");
        Assert.True(IsBelow(handOff, conversation, trace), "the hand-off resumes the trace of the conversation that queued it");
        Assert.Equal((tenant.Id, "accepted"), (Tag(handOff, EngineTelemetry.TenantId), Tag(handOff, EngineTelemetry.Outcome)));
        var providerCall = Assert.Single(trace, s => s.Source.Name == "System.Net.Http" && s.ParentSpanId == handOff.SpanId);
        Assert.Contains(trace, s => s.Source.Name == "Microsoft.AspNetCore" && s.ParentSpanId == providerCall.SpanId); // the simulator, as Twilio

        // Ids only: no phone number (in any form) and no message text in any attribute of the trace.
        var digits = phone.TrimStart('+');
        var values = trace.SelectMany(s => s.TagObjects.Select(t => $"{s.DisplayName} {t.Key}={t.Value}")).Append(request.DisplayName).ToArray();
        Assert.DoesNotContain(values, v => v.Contains(digits, StringComparison.Ordinal));
        Assert.DoesNotContain(values, v => v.Contains(reply!.Body!, StringComparison.Ordinal) || v.Contains("HELP", StringComparison.Ordinal));
        Assert.Contains(values, v => v.Contains(PersonalDataRedactor.Replacement, StringComparison.Ordinal)); // Orleans named the grain by its key
        await Eventually.GetAsync(() => Task.FromResult(fixture.Otlp.Exports("traces")), n => n > 0, TimeSpan.FromSeconds(10), "spans exported by OTLP");
    }

    [Fact]
    public async Task PartnerWebhookDelivery_IsASpanPerAttempt_UnderOrLinkedToTheRelaysPublish()
    {
        await using var partner = await PartnerServer.StartAsync(failFirst: 1);
        var tenant = await fixture.CreateTenantAsync();
        var subscription = await new PartnerWebhookService.PartnerWebhookServiceClient(fixture.Grpc).CreateSubscriptionAsync(
            new CreateSubscriptionRequest { TenantId = tenant.Id, Url = partner.Url }, fixture.AdminAuth);
        const string phone = "+12125559088";

        var response = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}",
            Signed.TwilioInbound($"SM{Guid.NewGuid():N}", phone, "tell my partner")));

        response.EnsureSuccessStatusCode();
        // lead.created is refused once and retried; then it and message.received are accepted. Every attempt
        // after the first is under the relay's publish (its poke) or linked to a poke under one (a retry on
        // the subscription's own schedule); the first may be neither when that one-second sweep finds the
        // events a moment before the poke arrives.
        var (attempts, publishes, all) = await Eventually.GetAsync(() =>
        {
            var spans = fixture.Spans;
            return Task.FromResult((
                Attempts: spans.Where(s => s.DisplayName == "partner-webhook deliver" && Tag(s, EngineTelemetry.TenantId) == tenant.Id).OrderBy(s => s.StartTimeUtc).ToArray(),
                Publishes: spans.Where(s => s.DisplayName == "event-relay publish" && Tag(s, EngineTelemetry.TenantId) == tenant.Id).ToArray(),
                All: spans.ToArray()));
        }, found => found.Attempts.Count(s => Tag(s, EngineTelemetry.Outcome) == "delivered") == 2
            && found.Attempts.Skip(1).All(a => IsBelowAny(a, found.Publishes, found.All) || a.Links.Any(l => IsBelowAny(SpanOf(l, found.All), found.Publishes, found.All))),
            TimeSpan.FromSeconds(30), "both events delivered, each attempt related to the relay's publish");

        var refused = attempts[0];
        Assert.Equal((subscription.Subscription.SubscriptionId, "lead.created", 1, 500, "retrying"),
            (Tag(refused, EngineTelemetry.SubscriptionId), Tag(refused, EngineTelemetry.EventType), refused.GetTagItem(EngineTelemetry.Attempt),
             refused.GetTagItem(EngineTelemetry.HttpResponseStatusCode), Tag(refused, EngineTelemetry.Outcome)));
        Assert.Equal((ActivityStatusCode.Error, "HTTP 500 Internal Server Error"), (refused.Status, refused.StatusDescription));
        var retry = Assert.Single(attempts, s => Tag(s, EngineTelemetry.EventType) == "lead.created" && s.GetTagItem(EngineTelemetry.Attempt) is 2);
        Assert.Equal((204, "delivered"), (retry.GetTagItem(EngineTelemetry.HttpResponseStatusCode), Tag(retry, EngineTelemetry.Outcome)));
        Assert.All(publishes, p => Assert.IsType<int>(p.GetTagItem(EngineTelemetry.EventCount)));
        // No payload and no phone number on the relay's or the deliveries' spans.
        var values = attempts.Concat(publishes).SelectMany(s => s.TagObjects.Select(t => $"{t.Key}={t.Value}")).ToArray();
        Assert.DoesNotContain(values, v => v.Contains(phone.TrimStart('+'), StringComparison.Ordinal) || v.Contains("tell my partner", StringComparison.Ordinal));
    }

    private static string? Tag(Activity span, string key) => span.GetTagItem(key) as string;

    private static Activity? SpanOf(ActivityLink link, Activity[] spans) => spans.FirstOrDefault(s => s.SpanId == link.Context.SpanId);

    private static bool IsBelowAny(Activity? span, Activity[] ancestors, Activity[] spans) =>
        span is not null && ancestors.Any(ancestor => IsBelow(span, ancestor, spans));

    // Whether span descends from ancestor within the trace.
    private static bool IsBelow(Activity span, Activity ancestor, Activity[] trace)
    {
        var byId = trace.GroupBy(s => s.SpanId).ToDictionary(g => g.Key, g => g.First());
        for (var parent = span.ParentSpanId; parent != default; parent = byId.TryGetValue(parent, out var next) ? next.ParentSpanId : default)
        {
            if (parent == ancestor.SpanId)
            {
                return true;
            }
        }

        return false;
    }
}
