using Npgsql;

namespace Engine.Grains.Storage;

/// <summary>
/// The engine's defaults for its PostgreSQL connections, applied where the operator's connection string
/// is silent. Statements are prepared on each connection after a few uses: parsing and analysing them
/// was about a fifth of PostgreSQL's CPU per inbound event (perf, 2026-12-03). Planning is left to
/// PostgreSQL's own choice (plan_cache_mode auto): it keeps a generic plan only where that costs no more
/// than planning each execution, as for the batch inserts, and an ANALYZE of a growing table replans it.
/// Forcing a plan per execution had made planning about 40 % of the statements' time for a new lead
/// (tests/bench.sh webhooks 2, 2026-12-07: 0.81 ms of PostgreSQL CPU per event forced, 0.57 ms auto).
/// </summary>
public static class PostgresConnectionSettings
{
    /// <summary>Statements kept prepared per physical connection: more than the engine's hot statements.</summary>
    public const int DefaultMaxAutoPrepare = 64;

    /// <summary>
    /// <paramref name="connectionString"/> with the defaults added. A string that sets "Max Auto Prepare"
    /// keeps it (0 turns preparing off, as transaction-mode poolers need).
    /// </summary>
    public static string WithEngineDefaults(string connectionString)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (!SetsMaxAutoPrepare(connectionString))
        {
            settings.MaxAutoPrepare = DefaultMaxAutoPrepare;
        }

        return settings.ConnectionString;
    }

    // Npgsql's builder answers ContainsKey for every keyword it knows, so look at what was written,
    // in any of its spellings ("Max Auto Prepare", "MaxAutoPrepare").
    private static bool SetsMaxAutoPrepare(string connectionString) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Any(key => key.Replace(" ", "", StringComparison.Ordinal).Equals(nameof(NpgsqlConnectionStringBuilder.MaxAutoPrepare), StringComparison.OrdinalIgnoreCase));
}
