using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Options;
using Engine.Grains.Tenants;
using Engine.Grains.Tests.Grains;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Engine.Grains.Tests.Tenants;

/// <summary>The process-wide tenant cache over real tenant grains (PostgreSQL state), on a fake clock.</summary>
[Collection(PostgresClusterCollection.Name)]
public sealed class TenantCacheTests(PostgresClusterFixture fixture)
{
    [Fact]
    public async Task UnknownTenants_AreRememberedOnlyUpToTheBound_AndNeverPushOutKnownOnes()
    {
        var cache = new TenantCache(fixture.Grains, Microsoft.Extensions.Options.Options.Create(new EngineSettings { UnknownTenantCacheSize = 5 }), new FakeTimeProvider(DateTimeOffset.UtcNow));
        var known = await TestTenants.CreateAsync(fixture.Grains);
        await cache.GetAsync(known);

        foreach (var madeUp in Enumerable.Range(0, 40).Select(i => $"nobody-{Guid.NewGuid():N}"[..20]))
        {
            Assert.Null(await cache.FindSettingsAsync(madeUp));
        }

        Assert.True(cache.Count <= 1 + 5, $"{cache.Count} tenants cached");
        Assert.NotNull(await cache.FindSettingsAsync(known));
    }

    [Fact]
    public async Task TenantCreatedAfterANegativeEntry_IsSeenOnInvalidation_OrOnceTheEntryExpires()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var settings = Microsoft.Extensions.Options.Options.Create(new EngineSettings());
        var (gateway, silo) = (new TenantCache(fixture.Grains, settings, time), new TenantCache(fixture.Grains, settings, time));
        var tenantId = $"late-{Guid.NewGuid():N}"[..20];
        Assert.Null(await gateway.FindSettingsAsync(tenantId));
        Assert.Null(await silo.FindSettingsAsync(tenantId));

        await fixture.Grains.GetGrain<ITenantGrain>(tenantId).CreateAsync(TenantSettings.Defaults("Late Motors"));
        gateway.Invalidate(tenantId); // what the gateway that created it does

        Assert.Equal("Late Motors", (await gateway.FindSettingsAsync(tenantId))?.DisplayName);
        Assert.Null(await silo.FindSettingsAsync(tenantId)); // still its negative entry...
        time.Advance(TenantCache.Lifetime + TimeSpan.FromSeconds(1));
        Assert.Equal("Late Motors", (await silo.FindSettingsAsync(tenantId))?.DisplayName); // ...but only for seconds
    }

    [Fact]
    public async Task RefreshThatStalls_ServesTheLastAnswer_ButNotAnAnswerOlderThanAMinute()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var cache = new TenantCache(fixture.Grains, Microsoft.Extensions.Options.Options.Create(new EngineSettings()), time);
        var tenantId = await TestTenants.CreateAsync(fixture.Grains);
        Assert.Equal("Acme Homes", (await cache.GetAsync(tenantId)).Settings?.DisplayName);

        // The tenant grain's next activation cannot read its state, as when its silo was lost and the
        // database stalls: the grain-state table is locked until the end of this test's transaction.
        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        await using var connection = await fixture.Database.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await using (var hold = new NpgsqlCommand("LOCK TABLE OrleansStorage IN ACCESS EXCLUSIVE MODE", connection, transaction))
        {
            await hold.ExecuteNonQueryAsync();
        }

        time.Advance(TenantCache.Lifetime + TimeSpan.FromSeconds(1));
        var meanwhile = cache.GetAsync(tenantId); // its refresh hangs...
        time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal("Acme Homes", (await meanwhile.WaitAsync(TimeSpan.FromSeconds(10))).Settings?.DisplayName); // ...so the last answer serves

        time.Advance(TimeSpan.FromMinutes(1));
        var tooOld = cache.GetAsync(tenantId);
        time.Advance(TimeSpan.FromSeconds(2));
        await Task.Delay(TimeSpan.FromMilliseconds(500));
        Assert.False(tooOld.IsCompleted, "an answer more than a minute old was served");

        await transaction.RollbackAsync();
        Assert.Equal("Acme Homes", (await tooOld.WaitAsync(TimeSpan.FromSeconds(30))).Settings?.DisplayName);
    }
}
