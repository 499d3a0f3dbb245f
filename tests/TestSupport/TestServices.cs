using Npgsql;

namespace Engine.TestSupport;

/// <summary>
/// The PostgreSQL and Redis that tests/run.sh starts. Tests fail, rather than skip, when they are
/// missing: a green run must mean the real services were exercised.
/// </summary>
public static class TestServices
{
    public const string PostgresVariable = "ENGINE_TEST_POSTGRES";
    public const string RedisVariable = "ENGINE_TEST_REDIS";

    /// <summary>Connection string of the server (its maintenance database).</summary>
    public static string PostgresServer => Required(PostgresVariable);

    /// <summary>"host:port" of the Redis server.</summary>
    public static string Redis => Required(RedisVariable);

    /// <summary>Creates an empty database with a unique name and returns its connection string.</summary>
    public static async Task<string> CreateDatabaseAsync(string purpose)
    {
        var name = $"{purpose}_{Guid.NewGuid():N}"[..Math.Min(60, purpose.Length + 33)].ToLowerInvariant();
        await using var dataSource = NpgsqlDataSource.Create(PostgresServer);
        await using var command = dataSource.CreateCommand($"CREATE DATABASE \"{name}\"");
        await command.ExecuteNonQueryAsync();
        return new NpgsqlConnectionStringBuilder(PostgresServer) { Database = name }.ConnectionString;
    }

    private static string Required(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{variable} is not set. Run the tests with tests/run.sh, which starts PostgreSQL and Redis and sets it.");
}
