using System.Diagnostics;
using Engine.Gateway.Grpc.V1;
using Engine.Gateway.Tests.Webhooks;
using Engine.TestSupport;
using Google.Protobuf.WellKnownTypes;

namespace Engine.Gateway.Tests.Automation;

/// <summary>Playbooks end to end: gRPC set-up, lead events through the API and webhooks, sends at the simulator.</summary>
[Collection(GatewayCollection.Name)]
public sealed class AutomationTests(GatewayFixture fixture)
{
    private AutomationService.AutomationServiceClient Automations => new(fixture.Grpc);
    private LeadService.LeadServiceClient Leads => new(fixture.Grpc);

    [Fact]
    public async Task SpeedToLead_FirstReplyReachesTheProviderWithinSeconds()
    {
        var tenant = await fixture.CreateTenantAsync();
        await PutAsync(tenant.Id, "speed", PlaybookTrigger.LeadCreated, Channel.Sms, (TimeSpan.Zero, $"Thanks for your interest! ({tenant.Id})"));
        var clock = Stopwatch.StartNew();

        await Leads.RecordConsentAsync(new RecordConsentRequest
        {
            TenantId = tenant.Id, Phone = "+12125550150", Channel = Channel.Sms, Status = ConsentStatus.OptedIn, Source = ConsentSource.Form, Evidence = "zillow form",
        }, fixture.AdminAuth);
        await WaitForSentAsync($"Thanks for your interest! ({tenant.Id})", 1, TimeSpan.FromSeconds(10));

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(5), $"speed-to-lead took {clock.Elapsed.TotalSeconds:F1} s");
    }

    [Fact]
    public async Task Reply_StopsTheCadence()
    {
        var tenant = await fixture.CreateTenantAsync();
        await PutAsync(tenant.Id, "cadence", PlaybookTrigger.LeadCreated, Channel.Sms,
            (TimeSpan.Zero, $"first {tenant.Id}"), (TimeSpan.FromSeconds(6), $"second {tenant.Id}"));
        const string phone = "+12125550151";
        await OptInAsync(tenant.Id, phone);
        await WaitForSentAsync($"first {tenant.Id}", 1, TimeSpan.FromSeconds(10));

        var reply = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", Signed.TwilioInbound($"SM{Guid.NewGuid():N}", phone, "yes, call me")));
        reply.EnsureSuccessStatusCode();
        await Task.Delay(TimeSpan.FromSeconds(9));

        Assert.DoesNotContain(fixture.Simulator.Simulator.Sent, m => m.Body == $"second {tenant.Id}");
        Assert.Empty((await Automations.GetLeadAutomationAsync(new GetLeadAutomationRequest { TenantId = tenant.Id, Phone = phone }, fixture.AdminAuth)).Runs);
    }

    [Fact]
    public async Task OptOut_CancelsPendingSteps_AtOnce()
    {
        var tenant = await fixture.CreateTenantAsync();
        await PutAsync(tenant.Id, "later", PlaybookTrigger.LeadCreated, Channel.Sms, (TimeSpan.FromSeconds(5), $"later {tenant.Id}"));
        const string phone = "+12125550152";
        await OptInAsync(tenant.Id, phone);
        Assert.Single((await Automations.GetLeadAutomationAsync(new GetLeadAutomationRequest { TenantId = tenant.Id, Phone = phone }, fixture.AdminAuth)).Runs);

        var stop = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", Signed.TwilioInbound($"SM{Guid.NewGuid():N}", phone, "STOP")));
        stop.EnsureSuccessStatusCode();

        Assert.Empty((await Automations.GetLeadAutomationAsync(new GetLeadAutomationRequest { TenantId = tenant.Id, Phone = phone }, fixture.AdminAuth)).Runs);
        await Task.Delay(TimeSpan.FromSeconds(7));
        Assert.DoesNotContain(fixture.Simulator.Simulator.Sent, m => m.Body == $"later {tenant.Id}");
    }

    [Fact]
    public async Task Keyword_TriggersItsPlaybook()
    {
        var tenant = await fixture.CreateTenantAsync();
        await PutAsync(tenant.Id, "pricing", PlaybookTrigger.Keyword, Channel.Sms, (TimeSpan.Zero, $"Prices from $1,200 ({tenant.Id})"), keyword: "PRICE");
        const string phone = "+12125550153";
        await OptInAsync(tenant.Id, phone);

        var inbound = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", Signed.TwilioInbound($"SM{Guid.NewGuid():N}", phone, "price")));
        inbound.EnsureSuccessStatusCode();

        await WaitForSentAsync($"Prices from $1,200 ({tenant.Id})", 1, TimeSpan.FromSeconds(10));
    }

    [Fact]
    public async Task FollowUpScheduledBeforeASiloKill_FiresExactlyOnceAfterIt()
    {
        var tenant = await fixture.CreateTenantAsync();
        var body = $"follow-up {tenant.Id}";
        await PutAsync(tenant.Id, "follow", PlaybookTrigger.LeadCreated, Channel.Sms, (TimeSpan.FromSeconds(20), body));
        const string phone = "+12125550154";
        await OptInAsync(tenant.Id, phone);

        fixture.KillSilo();
        await fixture.StartSiloAsync();
        await WaitForSentAsync(body, 1, TimeSpan.FromMinutes(3));
        await Task.Delay(TimeSpan.FromSeconds(5));

        Assert.Single(fixture.Simulator.Simulator.Sent, m => m.Body == body);
        Assert.Equal(1, await fixture.Database.CountAsync("SELECT count(*) FROM automation_firings WHERE tenant_id = $1", tenant.Id));
    }

    [Fact]
    public async Task PutPlaybook_InvalidSteps_IsInvalidArgument()
    {
        var tenant = await fixture.CreateTenantAsync();

        await Engine.Gateway.Tests.Grpc.GrpcAssert.FailsWithAsync(global::Grpc.Core.StatusCode.InvalidArgument, () => Automations.PutPlaybookAsync(new PutPlaybookRequest
        {
            TenantId = tenant.Id,
            Playbook = new Playbook { PlaybookId = "empty", Trigger = PlaybookTrigger.LeadCreated, Channel = Channel.Sms },
        }, fixture.AdminAuth).ResponseAsync, "playbook.steps");
    }

    private async Task PutAsync(string tenantId, string id, PlaybookTrigger trigger, Channel channel, params (TimeSpan Delay, string Body)[] steps) =>
        await PutAsync(tenantId, id, trigger, channel, steps, keyword: "");

    private async Task PutAsync(string tenantId, string id, PlaybookTrigger trigger, Channel channel, (TimeSpan Delay, string Body) step, string keyword) =>
        await PutAsync(tenantId, id, trigger, channel, [step], keyword);

    private async Task PutAsync(string tenantId, string id, PlaybookTrigger trigger, Channel channel, (TimeSpan Delay, string Body)[] steps, string keyword) =>
        await Automations.PutPlaybookAsync(new PutPlaybookRequest
        {
            TenantId = tenantId,
            Playbook = new Playbook
            {
                PlaybookId = id, Name = id, Trigger = trigger, Channel = channel, Keyword = keyword,
                Steps = { steps.Select(s => new PlaybookStep { Delay = Duration.FromTimeSpan(s.Delay), Body = s.Body }) },
            },
        }, fixture.AdminAuth);

    private async Task OptInAsync(string tenantId, string phone) =>
        await Leads.RecordConsentAsync(new RecordConsentRequest
        {
            TenantId = tenantId, Phone = phone, Channel = Channel.Sms, Status = ConsentStatus.OptedIn, Source = ConsentSource.Form, Evidence = "form",
        }, fixture.AdminAuth);

    private Task<int> WaitForSentAsync(string body, int count, TimeSpan timeout) => Eventually.GetAsync(
        () => Task.FromResult(fixture.Simulator.Simulator.Sent.Count(m => m.Body == body)), n => n >= count, timeout, $"'{body}' at the provider");
}
