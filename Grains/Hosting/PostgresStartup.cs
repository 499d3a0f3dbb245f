using Engine.Grains.Encryption;
using Engine.Grains.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Engine.Grains.Hosting;

/// <summary>
/// The step between building a host and running it: proves PostgreSQL is reachable (failing with the
/// setting's name, not a stack trace), on silos brings the schema up to date and rewraps data keys
/// under the active key-encryption key, and loads the grain-state data key, all before Orleans tries
/// to join the cluster.
/// </summary>
public static class PostgresStartup
{
    /// <summary>Whether this process applies the schema (silos) or only uses it (gateways).</summary>
    internal sealed record Role(bool AppliesSchema);

    /// <summary>
    /// Checks and migrates PostgreSQL when the host uses it, then checks the key-encryption keys;
    /// <paramref name="schemaOnly"/> (a migration job) stops after the schema and needs no keys.
    /// </summary>
    public static async Task PrepareStorageAsync(this IHost host, bool schemaOnly = false, CancellationToken cancellationToken = default)
    {
        var hostsGrains = host.Services.GetService<Role>()?.AppliesSchema ?? true; // embedded: no Role, and grains here
        if (host.Services.GetService<NpgsqlDataSource>() is { } dataSource)
        {
            await EnsureReachableAsync(dataSource, cancellationToken);
            if (hostsGrains)
            {
                await host.Services.GetRequiredService<SchemaMigrator>().ApplyAsync(cancellationToken);
            }
        }

        if (schemaOnly)
        {
            return;
        }

        // Resolving the data keys builds the key-encryption keys: a missing or malformed one stops here.
        var dataKeys = host.Services.GetRequiredService<DataKeys>();
        if (hostsGrains)
        {
            await dataKeys.RewrapAsync(cancellationToken);
            await dataKeys.GetAsync(DataKeys.GrainStateScope);
        }
    }

    /// <summary>Opens one connection, or throws an <see cref="EngineStartupException"/> naming the setting.</summary>
    public static async Task EnsureReachableAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var target = new NpgsqlConnectionStringBuilder(dataSource.ConnectionString);
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(15));
            await using var connection = await dataSource.OpenConnectionAsync(timeout.Token);
        }
        catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException or System.Net.Sockets.SocketException)
        {
            throw new EngineStartupException(
                $"Cannot connect to PostgreSQL at {target.Host}:{target.Port} (database '{target.Database}', user '{target.Username}') " +
                $"configured by ConnectionStrings:Postgres: {e.Message}", e);
        }
    }
}
