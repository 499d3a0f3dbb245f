using System.Net;
using Engine.TestSupport;
using Npgsql;

namespace Engine.Silo.Tests;

/// <summary>A Silo process's own listener (Silo:HttpUrl): liveness, readiness that names what failed, metrics.</summary>
public sealed class SiloProbeTests
{
    [Fact]
    public async Task Readiness_FailsNamingPostgres_WhenTheDatabaseRefusesConnections_WhileLivenessHolds()
    {
        var connectionString = await TestServices.CreateDatabaseAsync("probes");
        var database = new NpgsqlConnectionStringBuilder(connectionString).Database!;
        var port = FreePorts.Next();
        await using var silo = EngineProcess.Start("Silo", new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = connectionString + ";Timeout=3",
            ["Orleans__ClusterId"] = $"p{Guid.NewGuid():N}"[..12],
            ["Orleans__SiloPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Silo__HttpUrl"] = $"http://127.0.0.1:{port}",
        });
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(20) };
        await using var server = NpgsqlDataSource.Create(TestServices.PostgresServer);

        var ready = await Eventually.GetAsync(() => ReadyAsync(http), r => r.Status == HttpStatusCode.OK, TimeSpan.FromSeconds(90), $"the silo to be ready\n{silo.Output}");
        var scrape = await http.GetStringAsync(new Uri("/metrics", UriKind.Relative));
        await Execute(server, $"ALTER DATABASE \"{database}\" WITH ALLOW_CONNECTIONS false");
        try
        {
            await Execute(server, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}'");
            var notReady = await Eventually.GetAsync(() => ReadyAsync(http), r => r.Status == HttpStatusCode.ServiceUnavailable,
                TimeSpan.FromSeconds(30), "the silo to report PostgreSQL unreachable");
            var live = await http.GetAsync(new Uri("/healthz", UriKind.Relative));

            Assert.Contains("\"cluster\"", ready.Body, StringComparison.Ordinal);
            Assert.Contains("orleans_", scrape, StringComparison.Ordinal);
            Assert.Equal(HttpStatusCode.OK, live.StatusCode);
            Assert.Contains("PostgreSQL is unreachable", notReady.Body, StringComparison.Ordinal);
        }
        finally
        {
            await Execute(server, $"ALTER DATABASE \"{database}\" WITH ALLOW_CONNECTIONS true");
        }
    }

    private static async Task<(HttpStatusCode Status, string Body)> ReadyAsync(HttpClient http)
    {
        using var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
        return (response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    private static async Task Execute(NpgsqlDataSource server, string sql)
    {
        await using var command = server.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
