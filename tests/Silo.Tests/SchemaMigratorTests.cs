using Engine.Grains.Storage;
using Engine.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace Engine.Silo.Tests;

public sealed class SchemaMigratorTests
{
    [Fact]
    public async Task Apply_Twice_SecondIsANoOp()
    {
        await using var db = NpgsqlDataSource.Create(await TestServices.CreateDatabaseAsync("schema"));
        var migrator = new SchemaMigrator(db, NullLogger<SchemaMigrator>.Instance);

        var first = await migrator.ApplyAsync();
        var queriesAfterFirst = await ScalarAsync(db, "SELECT count(*) FROM OrleansQuery");
        var second = await migrator.ApplyAsync();

        Assert.Equal(SchemaMigrator.Scripts.Select(s => s.Version), first);
        Assert.Empty(second);
        Assert.Equal(queriesAfterFirst, await ScalarAsync(db, "SELECT count(*) FROM OrleansQuery"));
        Assert.Equal(SchemaMigrator.Scripts.Count, await ScalarAsync(db, "SELECT count(*) FROM engine_schema_version"));
    }

    [Fact]
    public async Task SiloWithMigrateOnly_AppliesTheSchema_AndExits()
    {
        var connectionString = await TestServices.CreateDatabaseAsync("migrate");
        await using var silo = EngineProcess.Start("Silo", new Dictionary<string, string> { ["ConnectionStrings__Postgres"] = connectionString }, "--migrate-only");

        var exitCode = await silo.WaitForExitAsync(TimeSpan.FromSeconds(60));

        Assert.Equal(0, exitCode);
        await using var db = NpgsqlDataSource.Create(connectionString);
        Assert.Equal(SchemaMigrator.Scripts.Count, await ScalarAsync(db, "SELECT count(*) FROM engine_schema_version"));
        Assert.Equal(0, await ScalarAsync(db, "SELECT count(*) FROM OrleansMembershipTable")); // it never joined
    }

    [Fact]
    public async Task Apply_FromSeveralSilosAtOnce_AppliesEachScriptOnce()
    {
        await using var db = NpgsqlDataSource.Create(await TestServices.CreateDatabaseAsync("schema"));

        var results = await Task.WhenAll(Enumerable.Range(0, 4)
            .Select(_ => new SchemaMigrator(db, NullLogger<SchemaMigrator>.Instance).ApplyAsync()));

        Assert.Equal(SchemaMigrator.Scripts.Count, results.Sum(r => r.Count));
        Assert.Single(results, r => r.Count > 0);
    }

    [Fact]
    public async Task Schema_HasEveryQueryTheOrleansProvidersAskFor()
    {
        await using var db = NpgsqlDataSource.Create(await TestServices.CreateDatabaseAsync("schema"));
        await new SchemaMigrator(db, NullLogger<SchemaMigrator>.Instance).ApplyAsync();

        string[] required =
        [
            "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
            "MembershipReadRowKey", "MembershipReadAllKey", "GatewaysQueryKey", "DeleteMembershipTableEntriesKey",
            "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
            "ReadFromStorageKey", "WriteToStorageKey", "ClearStorageKey",
            "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
            "DeleteReminderRowKey", "DeleteReminderRowsKey",
        ];
        await using var command = db.CreateCommand("SELECT QueryKey FROM OrleansQuery");
        await using var reader = await command.ExecuteReaderAsync();
        var present = new HashSet<string>();
        while (await reader.ReadAsync())
        {
            present.Add(reader.GetString(0));
        }

        Assert.Empty(required.Except(present));
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
