using System.Diagnostics;
using System.Net;
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

    private static string? Tag(Activity span, string key) => span.GetTagItem(key) as string;

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
