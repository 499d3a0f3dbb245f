using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Engine.Grains.Storage;

/// <summary>
/// Applies the scripts of deploy/sql (embedded in this assembly) in order of their numeric prefix,
/// each once, recording what it applied in engine_schema_version. Silos starting together take an
/// advisory lock, so exactly one of them applies a script and the others find it recorded.
/// </summary>
public sealed partial class SchemaMigrator(NpgsqlDataSource dataSource, ILogger<SchemaMigrator> logger)
{
    private const string ResourcePrefix = "Engine.Schema.";
    private const long MigrationLockId = 0x656E67696E65; // "engine"

    /// <summary>The scripts this build carries, in the order they apply.</summary>
    public static IReadOnlyList<SchemaScript> Scripts { get; } = LoadScripts();

    /// <summary>Applies every script not yet recorded; returns the versions applied by this call.</summary>
    public async Task<IReadOnlyList<int>> ApplyAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await ExecuteAsync(connection, $"SELECT pg_advisory_xact_lock({MigrationLockId})", cancellationToken);
        await ExecuteAsync(connection, """
            CREATE TABLE IF NOT EXISTS engine_schema_version
            (
                version    integer     NOT NULL PRIMARY KEY,
                script     text        NOT NULL,
                checksum   text        NOT NULL,
                applied_at timestamptz NOT NULL DEFAULT now()
            )
            """, cancellationToken);

        var applied = await ReadAppliedAsync(connection, cancellationToken);
        var newlyApplied = new List<int>();
        foreach (var script in Scripts)
        {
            if (applied.TryGetValue(script.Version, out var checksum))
            {
                if (checksum != script.Checksum)
                {
                    LogChecksumDrift(logger, script.Name, script.Version);
                }

                continue;
            }

            await ExecuteAsync(connection, script.Sql, cancellationToken);
            await using var record = new NpgsqlCommand(
                "INSERT INTO engine_schema_version (version, script, checksum) VALUES ($1, $2, $3)", connection);
            record.Parameters.Add(new() { Value = script.Version });
            record.Parameters.Add(new() { Value = script.Name });
            record.Parameters.Add(new() { Value = script.Checksum });
            await record.ExecuteNonQueryAsync(cancellationToken);
            newlyApplied.Add(script.Version);
            LogScriptApplied(logger, script.Name, script.Version);
        }

        await transaction.CommitAsync(cancellationToken);
        return newlyApplied;
    }

    private static async Task<Dictionary<int, string>> ReadAppliedAsync(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT version, checksum FROM engine_schema_version", connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var applied = new Dictionary<int, string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            applied[reader.GetInt32(0)] = reader.GetString(1);
        }

        return applied;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static SchemaScript[] LoadScripts()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        return assembly.GetManifestResourceNames()
            .Where(name => name.StartsWith(ResourcePrefix, StringComparison.Ordinal))
            .Select(name => ReadScript(assembly, name))
            .OrderBy(script => script.Version)
            .ToArray();
    }

    private static SchemaScript ReadScript(Assembly assembly, string resourceName)
    {
        var fileName = resourceName[ResourcePrefix.Length..];
        var version = int.Parse(fileName[..fileName.IndexOf('-', StringComparison.Ordinal)], System.Globalization.CultureInfo.InvariantCulture);
        using var stream = assembly.GetManifestResourceStream(resourceName)!;
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var sql = reader.ReadToEnd();
        var checksum = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql)));
        return new SchemaScript(version, fileName, sql, checksum);
    }

    [LoggerMessage(EventId = 2001, EventName = "SchemaScriptApplied", Level = LogLevel.Information,
        Message = "Applied schema script {Script} (version {Version})")]
    private static partial void LogScriptApplied(ILogger logger, string script, int version);

    [LoggerMessage(EventId = 2002, EventName = "SchemaChecksumDrift", Level = LogLevel.Warning,
        Message = "Schema script {Script} (version {Version}) differs from the one applied; scripts are append-only, add a new one instead")]
    private static partial void LogChecksumDrift(ILogger logger, string script, int version);
}

/// <summary>One schema script: its version (the file's numeric prefix), name, text and checksum.</summary>
public sealed record SchemaScript(int Version, string Name, string Sql, string Checksum);
