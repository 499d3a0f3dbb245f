using Engine.Grains.Storage;
using Engine.Grains.Tests.Grains;
using Microsoft.Extensions.DependencyInjection;
using Engine.TestSupport;
using Orleans.Storage;

namespace Engine.Grains.Tests.Storage;

/// <summary>
/// Grain state on PostgreSQL: concurrent grains share statements, yet each keeps its own version and
/// conflicts, and its rows are keyed exactly as Orleans' ADO.NET provider keys them (state written by
/// earlier builds is read).
/// </summary>
[Collection(PostgresClusterCollection.Name)]
public sealed class PostgresGrainStorageTests(PostgresClusterFixture fixture)
{
    private const int Grains = 300;

    private IGrainStorage Storage => fixture.Cluster.Silos[0].ServiceProvider.GetRequiredKeyedService<IGrainStorage>(GrainStorage.Name);

    // Computed with Orleans.Persistence.AdoNet 10.4.2 for the same keys (its AdoGrainKey and OrleansDefaultHasher).
    [Theory]
    [InlineData("lead", "t1:+12125550100", 635979758, 0L, "t1:+12125550100")]
    [InlineData("tenant", "acme", -1969903488, 0L, "acme")]
    [InlineData("tenant", "1234", 1613594656, 0x1234L, null)] // a hexadecimal key is an integer key to Orleans
    public void RowKeys_AreTheOnesTheAdoNetProviderGives(string grainType, string key, int idHash, long n1, string? keyString)
    {
        var row = StateRow.Of("lead", GrainId.Create(grainType, key));

        Assert.Equal((idHash, 0L, n1, keyString), (row.IdHash, row.N0, row.N1, row.KeyString));
        Assert.Equal(-1011415339, row.TypeHash);
    }

    [Fact]
    public void GuidAndIntegerKeys_AreKeyedAsTheAdoNetProviderKeysThem()
    {
        var integer = StateRow.Of("lead", GrainId.Create(GrainType.Create("x"), GrainIdKeyExtensions.CreateIntegerKey(42, "ext")));
        var guid = StateRow.Of("lead", GrainId.Create(GrainType.Create("x"), GrainIdKeyExtensions.CreateGuidKey(Guid.Parse("0f8fad5b-d9cb-469f-a165-70867728950e"), "ext")));

        Assert.Equal((2044764532, 0L, 42L, "ext"), (integer.IdHash, integer.N0, integer.N1, integer.KeyString));
        Assert.Equal((-495583831, 5089025570114612571L, 1050790581882611105L, "ext"), (guid.IdHash, guid.N0, guid.N1, guid.KeyString));
    }

    [Fact]
    public async Task ConcurrentGrains_EachReadAndWriteTheirOwnState_AndAStaleWriteFails()
    {
        var stateName = $"test-{Guid.NewGuid():N}";
        var ids = Enumerable.Range(0, Grains).Select(i => GrainId.Create("test", $"{Guid.NewGuid():N}:{i}")).ToArray();

        var fresh = await Task.WhenAll(ids.Select(id => ReadAsync(stateName, id)));
        Assert.All(fresh, s => Assert.Equal((false, null, 0), (s.RecordExists, s.ETag, s.State!.Count)));

        var states = ids.Select((id, i) => new GrainState<List<string>>([id.ToString()])).ToArray();
        await Task.WhenAll(ids.Select((id, i) => Storage.WriteStateAsync(stateName, id, states[i])));
        Assert.All(states, s => Assert.Equal((true, "1"), (s.RecordExists, s.ETag)));

        var stored = await Task.WhenAll(ids.Select(id => ReadAsync(stateName, id)));
        Assert.Equal(ids.Select(id => id.ToString()), stored.Select(s => s.State!.Single()));
        Assert.All(stored, s => Assert.Equal((true, "1"), (s.RecordExists, s.ETag)));

        // Every other grain writes as a second activation would, with the version it never read; the rest write on top.
        var outcomes = await Task.WhenAll(ids.Select(async (id, i) =>
        {
            var state = i % 2 == 0 ? new GrainState<List<string>>(["stale"]) : stored[i];
            try
            {
                await Storage.WriteStateAsync(stateName, id, state);
                return state.ETag;
            }
            catch (InconsistentStateException)
            {
                return "conflict";
            }
        }));
        Assert.Equal(Enumerable.Range(0, Grains).Select(i => i % 2 == 0 ? "conflict" : "2"), outcomes);
        var after = await Task.WhenAll(ids.Select(id => ReadAsync(stateName, id)));
        Assert.Equal(Enumerable.Range(0, Grains).Select(i => i % 2 == 0 ? "1" : "2"), after.Select(s => s.ETag));
        Assert.DoesNotContain(after, s => s.State!.Contains("stale"));
        Assert.Equal(Grains, await fixture.Database.CountAsync("SELECT count(*) FROM OrleansStorage WHERE GrainTypeString = $1", stateName));
    }

    [Fact]
    public async Task ClearedState_ReadsBackAsAbsent_AndKeepsItsVersion()
    {
        var stateName = $"test-{Guid.NewGuid():N}";
        var id = GrainId.Create("test", Guid.NewGuid().ToString("N"));
        var state = new GrainState<List<string>>(["kept"]);
        await Storage.WriteStateAsync(stateName, id, state);

        await Storage.ClearStateAsync(stateName, id, state);
        var read = await ReadAsync(stateName, id);

        Assert.Equal((false, "2", 0), (read.RecordExists, read.ETag, read.State!.Count));
        await Assert.ThrowsAsync<InconsistentStateException>(() => Storage.ClearStateAsync(stateName, id, new GrainState<List<string>>([]) { ETag = "1" }));
    }

    private async Task<GrainState<List<string>>> ReadAsync(string stateName, GrainId id)
    {
        var state = new GrainState<List<string>>([]);
        await Storage.ReadStateAsync(stateName, id, state);
        return state;
    }
}
