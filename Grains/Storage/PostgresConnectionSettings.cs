using Npgsql;

namespace Engine.Grains.Storage;

/// <summary>
/// The engine's defaults for its PostgreSQL connections, applied where the operator's connection string
/// is silent. Statements are prepared on each connection after a few uses: parsing and analysing them
/// was about a fifth of PostgreSQL's CPU per inbound event (perf, 2026-12-03). Each execution is still planned
/// for its own arguments (plan_cache_mode=force_custom_plan): the batch statements pass arrays, and a
/// generic plan cannot see their length, so it may pick a full scan that stays cached while the table grows.
/// </summary>
public static class PostgresConnectionSettings
{
    /// <summary>Statements kept prepared per physical connection: more than the engine's hot statements.</summary>
    public const int DefaultMaxAutoPrepare = 64;

    private const string CustomPlans = "-c plan_cache_mode=force_custom_plan";

    /// <summary>
    /// <paramref name="connectionString"/> with the defaults added. A string that sets "Max Auto Prepare"
    /// keeps it (0 turns preparing off, as transaction-mode poolers need), and then gets no plan option.
    /// </summary>
    public static string WithEngineDefaults(string connectionString)
    {
        var settings = new NpgsqlConnectionStringBuilder(connectionString);
        if (SetsMaxAutoPrepare(connectionString))
        {
            return settings.ConnectionString;
        }

        settings.MaxAutoPrepare = DefaultMaxAutoPrepare;
        if (settings.Options?.Contains("plan_cache_mode", StringComparison.Ordinal) != true)
        {
            settings.Options = string.IsNullOrWhiteSpace(settings.Options) ? CustomPlans : $"{settings.Options} {CustomPlans}";
        }

        return settings.ConnectionString;
    }

    // Npgsql's builder answers ContainsKey for every keyword it knows, so look at what was written,
    // in any of its spellings ("Max Auto Prepare", "MaxAutoPrepare").
    private static bool SetsMaxAutoPrepare(string connectionString) =>
        new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString }.Keys.Cast<string>()
            .Any(key => key.Replace(" ", "", StringComparison.Ordinal).Equals(nameof(NpgsqlConnectionStringBuilder.MaxAutoPrepare), StringComparison.OrdinalIgnoreCase));
}
