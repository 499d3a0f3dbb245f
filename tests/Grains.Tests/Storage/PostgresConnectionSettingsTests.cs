using Engine.Grains.Storage;
using Engine.TestSupport;
using Npgsql;

namespace Engine.Grains.Tests.Storage;

/// <summary>The engine's connection defaults: prepared statements, and an operator's own setting kept.</summary>
public sealed class PostgresConnectionSettingsTests
{
    [Fact]
    public void AStringThatSaysNothing_PreparesStatements_AndKeepsItsOptions()
    {
        var settings = new NpgsqlConnectionStringBuilder(PostgresConnectionSettings.WithEngineDefaults("Host=db;Username=engine;Options=-c statement_timeout=5s"));

        Assert.Equal(PostgresConnectionSettings.DefaultMaxAutoPrepare, settings.MaxAutoPrepare);
        Assert.Equal("-c statement_timeout=5s", settings.Options);
    }

    [Theory]
    [InlineData("Host=db;Max Auto Prepare=0")]
    [InlineData("Host=db;MaxAutoPrepare=0")]
    public void AnOperatorsOwnSetting_IsKept(string connectionString)
    {
        var settings = new NpgsqlConnectionStringBuilder(PostgresConnectionSettings.WithEngineDefaults(connectionString));

        Assert.Equal(0, settings.MaxAutoPrepare);
    }

    [Fact]
    public async Task APooledConnection_KeepsItsPreparedStatement_AcrossTheResetOnReturn()
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await TestServices.CreateDatabaseAsync("connection_settings")) { NoResetOnClose = false, MaxPoolSize = 1 };
        await using var database = NpgsqlDataSource.Create(PostgresConnectionSettings.WithEngineDefaults(connectionString.ConnectionString));

        for (var use = 0; use < 8; use++)
        {
            await using var connection = await database.OpenConnectionAsync(); // the same physical connection, reset each time
            await using var query = new NpgsqlCommand("SELECT count(*) FROM pg_class WHERE relname = $1", connection) { Parameters = { new() { Value = "pg_type" } } };
            Assert.Equal(1L, await query.ExecuteScalarAsync());
        }

        await using var check = await database.OpenConnectionAsync();
        await using var prepared = new NpgsqlCommand("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE '%FROM pg_class WHERE relname%'", check);
        Assert.Equal(1L, await prepared.ExecuteScalarAsync());
    }
}
