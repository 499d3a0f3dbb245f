using Engine.TestSupport;
using Engine.Grains.Abstractions.Tenants;

namespace Engine.Grains.Tests.Grains;

[Collection(PostgresClusterCollection.Name)]
public sealed class TenantGrainTests(PostgresClusterFixture fixture)
{
    [Fact]
    public async Task Create_Twice_SecondChangesNothing()
    {
        var tenantId = await TestTenants.CreateAsync(fixture.Grains);
        var grain = fixture.Grains.GetGrain<ITenantGrain>(tenantId);

        var again = await grain.CreateAsync(TenantSettings.Defaults("Somebody Else"));

        Assert.False(again.Created);
        Assert.Equal("Acme Homes", again.Tenant.Settings!.DisplayName);
    }

    [Fact]
    public async Task RecordApiKeyUse_StoresAUse_ThenIgnoresUsesWithinTheMinute()
    {
        var tenantId = await TestTenants.CreateAsync(fixture.Grains);
        var grain = fixture.Grains.GetGrain<ITenantGrain>(tenantId);
        await grain.CreateApiKeyAsync("k1", "crm", ApiKeyRoles.Messaging, new string('a', 64));
        var first = DateTimeOffset.Parse("2026-06-10T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

        await grain.RecordApiKeyUseAsync("k1", first);
        await grain.RecordApiKeyUseAsync("k1", first.AddSeconds(30));
        var withinTheMinute = (await grain.GetAsync()).ApiKeys.Single().LastUsedAt;
        await grain.RecordApiKeyUseAsync("k1", first.AddSeconds(61));

        Assert.Equal(first, withinTheMinute);
        Assert.Equal(first.AddSeconds(61), (await grain.GetAsync()).ApiKeys.Single().LastUsedAt);
    }

    [Fact]
    public async Task Get_Unknown_DoesNotExist()
    {
        var tenant = await fixture.Grains.GetGrain<ITenantGrain>("never-created").GetAsync();

        Assert.False(tenant.Exists);
    }

    [Fact]
    public async Task State_SurvivesRestartOfEverySilo()
    {
        var tenantId = await TestTenants.CreateAsync(fixture.Grains, s => s with { DefaultTimeZone = "America/Denver" });

        foreach (var silo in fixture.Cluster.Silos.ToArray())
        {
            await fixture.Cluster.RestartSiloAsync(silo);
        }

        await fixture.Cluster.WaitForLivenessToStabilizeAsync();
        var tenant = await fixture.Grains.GetGrain<ITenantGrain>(tenantId).GetAsync();
        Assert.True(tenant.Exists);
        Assert.Equal("America/Denver", tenant.Settings!.DefaultTimeZone);
        Assert.Equal(1, await fixture.Database.CountAsync(
            "SELECT count(*) FROM OrleansStorage WHERE GrainTypeString = 'tenant' AND GrainIdExtensionString = $1", tenantId));
    }
}
