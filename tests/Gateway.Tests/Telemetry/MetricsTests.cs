using Engine.Gateway.Grpc.V1;
using Engine.TestSupport;
using Google.Protobuf.WellKnownTypes;

namespace Engine.Gateway.Tests.Telemetry;

/// <summary>The Prometheus scrapes of a real silo process and of the gateway after a send.</summary>
[Collection(GatewayCollection.Name)]
public sealed class MetricsTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Scrapes_AfterASend_ShowTheEngineInstruments()
    {
        var tenant = await fixture.CreateTenantAsync();
        const string phone = "+12125553301";
        // A speed-to-lead playbook: the consent below creates the lead, and its step fires at once.
        await new AutomationService.AutomationServiceClient(fixture.Grpc).PutPlaybookAsync(new PutPlaybookRequest
        {
            TenantId = tenant.Id,
            Playbook = new Playbook
            {
                PlaybookId = "welcome", Name = "welcome", Trigger = PlaybookTrigger.LeadCreated, Channel = Channel.Sms,
                Steps = { new PlaybookStep { Delay = Duration.FromTimeSpan(TimeSpan.Zero), Body = "welcome, metrics" } },
            },
        }, fixture.AdminAuth);
        await new LeadService.LeadServiceClient(fixture.Grpc).RecordConsentAsync(new RecordConsentRequest
        {
            TenantId = tenant.Id, Phone = phone, Status = ConsentStatus.OptedIn, Source = ConsentSource.Form, Evidence = "form",
        }, fixture.AdminAuth);

        var conversations = new ConversationService.ConversationServiceClient(fixture.Grpc);
        await conversations.SendMessageAsync(
            new SendMessageRequest { TenantId = tenant.Id, Phone = phone, Channel = Channel.Sms, Body = "metrics, please" }, fixture.AdminAuth);
        // A send for a few seconds later is released by the conversation's timer. The margin is wide
        // enough that a slow call still reaches the grain before the send time (else it is queued at once).
        var later = await conversations.SendMessageAsync(new SendMessageRequest
        {
            TenantId = tenant.Id, Phone = phone, Channel = Channel.Sms, Body = "metrics, later",
            SendAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(5)),
        }, fixture.AdminAuth);
        Assert.Equal(SendStatus.Scheduled, later.Status);

        // The silo hands off and scrapes show it; the status callbacks then reach the gateway's webhooks.
        var silo = await Eventually.GetAsync(() => fixture.SiloHttp.GetStringAsync(new Uri("/metrics", UriKind.Relative)),
            text => Lines(text, "engine_sends_total{").Any(l => l.Contains("outcome=\"accepted\"", StringComparison.Ordinal))
                && Lines(text, "engine_automation_lateness_seconds_bucket{").Any(l => l.Contains("woken_by=\"timer\"", StringComparison.Ordinal))
                // Timer and reminder both fall due then; whichever comes first releases it.
                && Lines(text, "engine_scheduled_send_lateness_seconds_bucket{").Any(l => l.Contains("woken_by=\"", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "an accepted send, a fired playbook step and a released scheduled send on the silo's /metrics");
        Assert.NotEmpty(Lines(silo, "engine_provider_duration_seconds_bucket{"));
        Assert.NotEmpty(Lines(silo, "engine_consent_changes_total{"));
        Assert.NotEmpty(Lines(silo, "engine_handoff_check_duration_seconds_bucket{"));
        Assert.NotEmpty(Lines(silo, "engine_sender_queue_wait_seconds_bucket{"));
        Assert.NotEmpty(Lines(silo, "engine_sender_queue_depth{"));
        Assert.NotEmpty(Lines(silo, "orleans_")); // the Orleans meter too
        var gateway = await Eventually.GetAsync(() => fixture.Http.GetStringAsync(new Uri("/metrics", UriKind.Relative)),
            text => Lines(text, "engine_webhooks_items_total{").Any(l => l.Contains("kind=\"status\"", StringComparison.Ordinal)),
            TimeSpan.FromSeconds(30), "the status callbacks counted on the gateway's /metrics");
        Assert.NotEmpty(Lines(gateway, "http_server_request_duration_seconds_bucket{"));
    }

    private static string[] Lines(string scrape, string prefix) =>
        scrape.Split('\n').Where(l => l.StartsWith(prefix, StringComparison.Ordinal)).ToArray();
}
