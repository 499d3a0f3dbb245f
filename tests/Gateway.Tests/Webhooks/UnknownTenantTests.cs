using System.Net;
using Engine.Gateway.Grpc.V1;
using Engine.Grains.Tenants;
using Microsoft.Extensions.DependencyInjection;

namespace Engine.Gateway.Tests.Webhooks;

/// <summary>Webhooks naming tenants that do not exist, against the gateway's tenant cache.</summary>
[Collection(GatewayCollection.Name)]
public sealed class UnknownTenantTests(GatewayFixture fixture)
{
    private TenantCache Cache => fixture.Gateway.Services.GetRequiredService<TenantCache>();

    [Fact]
    public async Task FloodForMadeUpTenants_Is404_AndTheCacheKeepsOnlyTheNewestOfThem()
    {
        var before = Cache.Count;

        foreach (var id in Enumerable.Range(0, GatewayFixture.UnknownTenantCacheSize * 2).Select(_ => $"made-up-{Guid.NewGuid():N}"[..24]))
        {
            var response = await fixture.Http.SendAsync(Signed.Twilio(fixture, new TestTenant(id, "x", "y", "z", "1"), $"/webhooks/twilio/{id}",
                Signed.TwilioInbound($"SM{Guid.NewGuid():N}", "+12125556301", "anyone there?")));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        Assert.True(Cache.Count <= before + GatewayFixture.UnknownTenantCacheSize,
            $"{Cache.Count - before} more tenants cached after {GatewayFixture.UnknownTenantCacheSize * 2} made-up ids");
    }

    [Fact]
    public async Task TenantCreatedAfterItsWebhookWas404_TakesWebhooksAtOnce()
    {
        var id = $"late-{Guid.NewGuid():N}"[..20];
        var tenant = new TestTenant(id, $"auth-{Guid.NewGuid():N}", "secret", "verify", "1");
        var early = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{id}",
            Signed.TwilioInbound($"SM{Guid.NewGuid():N}", "+12125556302", "too early")));
        Assert.Equal(HttpStatusCode.NotFound, early.StatusCode);

        await new TenantService.TenantServiceClient(fixture.Grpc).CreateTenantAsync(new CreateTenantRequest
        {
            TenantId = id,
            Settings = new TenantSettings
            {
                DisplayName = "Late Motors",
                Sms = new SmsChannel { AccountSid = "AC" + new string('7', 32), AuthToken = tenant.TwilioAuthToken, FromNumber = "+14155550100" },
            },
        }, fixture.AdminAuth);
        var onTime = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{id}",
            Signed.TwilioInbound($"SM{Guid.NewGuid():N}", "+12125556302", "now?")));

        Assert.Equal(HttpStatusCode.OK, onTime.StatusCode);
    }
}
