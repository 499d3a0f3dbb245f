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
