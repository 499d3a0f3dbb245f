using Engine.TestSupport;
using System.Net;

namespace Engine.Gateway.Tests.Webhooks;

[Collection(GatewayCollection.Name)]
public sealed class ClusterOutageTests(GatewayFixture fixture)
{
    [Fact]
    public async Task WebhookDuringSiloOutage_Is5xx_AndTheRetryIsProcessed()
    {
        var tenant = await fixture.CreateTenantAsync();
        await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", Signed.TwilioInbound($"SM{Guid.NewGuid():N}", "+12125550101", "warm-up")));
        var sid = $"SM{Guid.NewGuid():N}";

        fixture.KillSilo();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var during = await fixture.Http.SendAsync(
            Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", Signed.TwilioInbound(sid, "+12125550102", "Are you open Sunday?")), timeout.Token);
        await fixture.StartSiloAsync();
        var retried = await Engine.TestSupport.Eventually.GetAsync(
            () => fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", Signed.TwilioInbound(sid, "+12125550102", "Are you open Sunday?"))),
            response => response.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(90), "the provider's retry to be accepted");

        Assert.True((int)during.StatusCode >= 500, $"expected 5xx during the outage, got {(int)during.StatusCode}");
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(1, await fixture.Database.CountAsync("SELECT count(*) FROM message_log WHERE tenant_id = $1 AND provider_message_id = $2", tenant.Id, sid));
    }
}
