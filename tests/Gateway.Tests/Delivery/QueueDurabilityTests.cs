using Engine.Gateway.Grpc.V1;
using Engine.TestSupport;

namespace Engine.Gateway.Tests.Delivery;

[Collection(GatewayCollection.Name)]
public sealed class QueueDurabilityTests(GatewayFixture fixture)
{
    [Fact]
    public async Task QueuedMessages_SurviveASiloKill_AndAreEachSentOnce()
    {
        var tenant = await fixture.CreateTenantAsync(new RateLimits { SmsSegmentsPerSecond = 1 });
        var leads = new LeadService.LeadServiceClient(fixture.Grpc);
        var conversations = new ConversationService.ConversationServiceClient(fixture.Grpc);
        var bodies = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            var phone = $"+1212555{3000 + i:D4}";
            await leads.RecordConsentAsync(new RecordConsentRequest { TenantId = tenant.Id, Phone = phone, Status = ConsentStatus.OptedIn, Source = ConsentSource.Form }, fixture.AdminAuth);
            bodies.Add($"durable {tenant.Id} {i}");
            await conversations.SendMessageAsync(new SendMessageRequest { TenantId = tenant.Id, Phone = phone, Channel = Channel.Sms, Body = bodies[^1] }, fixture.AdminAuth);
        }

        fixture.KillSilo(); // at one per second, most are still waiting
        var sentBeforeKill = fixture.Simulator.Simulator.Sent.Count(m => bodies.Contains(m.Body!));
        await fixture.StartSiloAsync();

        var sent = await Eventually.GetAsync(
            () => Task.FromResult(fixture.Simulator.Simulator.Sent.Where(m => bodies.Contains(m.Body!)).ToArray()),
            s => s.Length >= bodies.Count, TimeSpan.FromMinutes(3), "every queued message to reach the provider after the restart");

        Assert.True(sentBeforeKill < bodies.Count, "the test must kill the silo while messages wait");
        Assert.Equal(bodies.Order(), sent.Select(m => m.Body!).Order());
        await Task.Delay(TimeSpan.FromSeconds(2)); // nothing more trickles in: no duplicates
        Assert.Equal(bodies.Count, fixture.Simulator.Simulator.Sent.Count(m => bodies.Contains(m.Body!)));
    }
}
