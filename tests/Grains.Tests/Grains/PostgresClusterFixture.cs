using Engine.Grains.Encryption;
using Engine.Grains.Tenants;
using Engine.Grains.Hosting;
using Engine.Grains.Storage;
using Engine.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Orleans.TestingHost;

namespace Engine.Grains.Tests.Grains;

/// <summary>
/// Two in-process silos whose grain state, reminders, message log and consent ledger live in a fresh
/// PostgreSQL database with the project's schema, plus a client; shared by every grain test.
/// (Membership is the test cluster's own; PostgreSQL membership is tested with real processes in Silo.Tests.)
/// </summary>
public sealed class PostgresClusterFixture : IAsyncLifetime
{
    public InProcessTestCluster Cluster { get; private set; } = null!;
    public NpgsqlDataSource Database { get; private set; } = null!;
    public IGrainFactory Grains => Cluster.Client;

    public async ValueTask InitializeAsync()
    {
        var connectionString = await TestServices.CreateDatabaseAsync("grains");
        Database = NpgsqlDataSource.Create(connectionString);
        await new SchemaMigrator(Database, NullLogger<SchemaMigrator>.Instance).ApplyAsync();

        var builder = new InProcessTestClusterBuilder(2);
        builder.ConfigureSilo((_, silo) => silo.AddEnginePostgresProviders(connectionString));
        builder.ConfigureSiloHost((_, host) => host.Services
            .AddSingleton(_ => NpgsqlDataSource.Create(connectionString))
            .AddSingleton<TenantCache>()
            .AddSingleton<Engine.Grains.Telemetry.EngineMetrics>()
            .AddSingleton(KeyEncryptionKeys.FromSettings(
                new EncryptionSettings { Keys = { [TestEncryption.KeyId] = TestEncryption.Key }, ActiveKeyId = TestEncryption.KeyId }, embedded: false))
            .AddSingleton(Engine.Grains.Erasure.AddressHasher.FromSettings(null, generateIfMissing: true))
            .AddEnginePostgresStores());
        Cluster = builder.Build();
        await Cluster.DeployAsync();
    }

    /// <summary>
    /// Makes the next write of one grain's state fail once, as when its silo dies between an engine
    /// table's write and the grain-state write.
    /// </summary>
    public Task FailNextStateWriteAsync(string stateName, string grainKey) =>
        Database.FailNextWriteAsync("orleansstorage", $"NEW.graintypestring = '{stateName}' AND NEW.grainidextensionstring = '{grainKey}'");

    public async ValueTask DisposeAsync()
    {
        await Cluster.DisposeAsync();
        await Database.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class PostgresClusterCollection : ICollectionFixture<PostgresClusterFixture>
{
    public const string Name = "postgres-cluster";
}
