using Engine.Gateway.Grpc.V1;
using Engine.TestSupport;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Npgsql;

namespace Engine.Benchmarks;

/// <summary>Silo processes and a Gateway process on a fresh database: the shape a deployment has.</summary>
internal sealed class BenchmarkCluster : IAsyncDisposable
{
    public const string AdminKey = "bench-admin-key";
    public const int PoolSize = 32;

    private readonly List<EngineProcess> _processes = [];

    public required string ConnectionString { get; init; }
    public required string PublicBaseUrl { get; init; }
    public required GrpcChannel Grpc { get; init; }
    public Metadata AdminAuth { get; } = new() { { "authorization", $"Bearer {AdminKey}" } };

    public required int Silos { get; init; }

    /// <summary>Each silo's probe and metrics listener.</summary>
    public List<string> SiloHttpUrls { get; } = [];

    public static async Task<BenchmarkCluster> StartAsync(string purpose, IReadOnlyDictionary<string, string>? extra = null, int silos = 1)
    {
        var connectionString = new NpgsqlConnectionStringBuilder(await TestServices.CreateDatabaseAsync(purpose)) { MaxPoolSize = PoolSize }.ConnectionString;
        var clusterId = $"b{Guid.NewGuid():N}"[..12];
        var (httpPort, grpcPort) = (FreePorts.Next(), FreePorts.Next());
        var common = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = connectionString,
            ["ConnectionStrings__Redis"] = TestServices.Redis,
            ["Orleans__ClusterId"] = clusterId,
        };
        foreach (var (key, value) in extra ?? new Dictionary<string, string>())
        {
            common[key] = value;
        }

        var cluster = new BenchmarkCluster
        {
            ConnectionString = connectionString,
            PublicBaseUrl = $"http://127.0.0.1:{httpPort}",
            // Several HTTP/2 connections, so the load is not capped by one connection's 100 concurrent streams.
            Grpc = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}", new GrpcChannelOptions
            {
                HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
            }),
            Silos = silos,
        };
        for (var i = 0; i < silos; i++)
        {
            cluster.SiloHttpUrls.Add($"http://127.0.0.1:{FreePorts.Next()}");
            cluster._processes.Add(EngineProcess.Start("Silo", new Dictionary<string, string>(common)
            {
                ["Silo__HttpUrl"] = cluster.SiloHttpUrls[i],
                ["Engine__PublicBaseUrl"] = cluster.PublicBaseUrl,
                ["Orleans__SiloPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Orleans__GatewayPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            }));
        }

        await using (var db = NpgsqlDataSource.Create(connectionString))
        {
            await Eventually.GetAsync(async () =>
            {
                await using var command = db.CreateCommand("SELECT count(*) FROM OrleansMembershipTable WHERE Status = 3");
                return (long)(await command.ExecuteScalarAsync())!;
            }, n => n == silos, TimeSpan.FromSeconds(90), $"{silos} silos Active");
        }

        cluster._processes.Add(EngineProcess.Start("Gateway", new Dictionary<string, string>(common)
        {
            ["Engine__AdminApiKey"] = AdminKey,
            ["Engine__PublicBaseUrl"] = cluster.PublicBaseUrl,
            ["Gateway__HttpUrl"] = cluster.PublicBaseUrl,
            ["Gateway__GrpcUrl"] = $"http://127.0.0.1:{grpcPort}",
        }));
        var health = new Health.HealthClient(cluster.Grpc);
        await Eventually.GetAsync(async () => (await health.CheckAsync(new HealthCheckRequest())).Status,
            s => s == HealthCheckResponse.Types.ServingStatus.Serving, TimeSpan.FromSeconds(90), "gateway SERVING");
        return cluster;
    }

    public async Task<string> CreateTenantAsync(string authToken, RateLimits? limits = null)
    {
        var tenantId = $"bench-{Guid.NewGuid():N}"[..16];
        await new TenantService.TenantServiceClient(Grpc).CreateTenantAsync(new CreateTenantRequest
        {
            TenantId = tenantId,
            Settings = new TenantSettings
            {
                DisplayName = "Benchmark Homes",
                Sms = new SmsChannel { AccountSid = "AC" + new string('5', 32), AuthToken = authToken, FromNumber = "+14155550100" },
                RateLimits = limits,
                QuietHours = new QuietHours { Enabled = false, AllowedFrom = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromHours(8)), AllowedUntil = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromHours(21)) },
            },
        }, AdminAuth);
        return tenantId;
    }

    /// <summary>Transactions committed in the cluster's database so far: statements, as the engine autocommits each.</summary>
    public async Task<long> CommittedTransactionsAsync()
    {
        await using var db = NpgsqlDataSource.Create(ConnectionString);
        await using var command = db.CreateCommand("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()");
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Starts counting statements afresh (pg_stat_statements, which tests/bench.sh preloads).</summary>
    public async Task ResetStatementStatsAsync()
    {
        await using var db = NpgsqlDataSource.Create(ConnectionString);
        await using var create = db.CreateCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements");
        await create.ExecuteNonQueryAsync();
        await using var reset = db.CreateCommand("SELECT pg_stat_statements_reset()");
        await reset.ExecuteNonQueryAsync();
    }

    /// <summary>
    /// The statements run in this database since the reset that took the most of PostgreSQL's time
    /// (planning and execution), each with its calls and milliseconds per <paramref name="events"/>, and
    /// how many of those milliseconds were planning.
    /// </summary>
    public async Task<IReadOnlyList<object>> StatementsPerEventAsync(long events, int top = 10)
    {
        await using var db = NpgsqlDataSource.Create(ConnectionString);
        await using var command = db.CreateCommand("""
            SELECT calls, total_plan_time + total_exec_time, regexp_replace(left(query, 200), '\s+', ' ', 'g'), total_plan_time FROM pg_stat_statements
            WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database()) AND query NOT LIKE '%pg_stat_statements%'
            ORDER BY total_plan_time + total_exec_time DESC LIMIT $1
            """);
        command.Parameters.Add(new NpgsqlParameter { Value = top });
        var rows = new List<object>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var perEvent = Math.Round(reader.GetInt64(0) / (double)Math.Max(1, events), 3);
            var msPerEvent = Math.Round(reader.GetDouble(1) / Math.Max(1, events), 3);
            var planMsPerEvent = Math.Round(reader.GetDouble(3) / Math.Max(1, events), 3);
            var statement = reader.GetString(2);
            rows.Add(new { perEvent, msPerEvent, planMsPerEvent, statement });
            Console.WriteLine($"  {perEvent,7:F3}/event {msPerEvent,7:F3} ms/event ({planMsPerEvent:F3} planning)  {statement[..Math.Min(130, statement.Length)]}");
        }

        return rows;
    }

    /// <summary>The sum over every silo's Prometheus scrape of the samples named <paramref name="metric"/> (all label sets).</summary>
    public async Task<double> SiloMetricAsync(string metric)
    {
        using var http = new HttpClient();
        var total = 0.0;
        foreach (var url in SiloHttpUrls)
        {
            foreach (var line in (await http.GetStringAsync($"{url}/metrics")).Split('\n'))
            {
                if (line.StartsWith(metric, StringComparison.Ordinal) && (line.Length == metric.Length || line[metric.Length] is '{' or ' '))
                {
                    // "name{labels} value [timestamp]"
                    var afterLabels = line[metric.Length] == '{' ? line.IndexOf('}', StringComparison.Ordinal) + 1 : metric.Length;
                    var value = line[afterLabels..].Trim().Split(' ')[0];
                    total += double.Parse(value, System.Globalization.CultureInfo.InvariantCulture);
                }
            }
        }

        return total;
    }

    /// <summary>The topology, as results name it.</summary>
    public string Topology => $"{Silos} silo{(Silos == 1 ? "" : "s")} + gateway, PostgreSQL and Redis on one {Environment.ProcessorCount}-core machine";

    /// <summary>CPU used so far by each silo and the gateway (as roles), PostgreSQL, Redis and this process.</summary>
    public CpuUse Cpu() => CpuUse.Read(_processes.Select((process, i) => (process.Id, Role: i < Silos ? (Silos == 1 ? "silo" : $"silo {i + 1}") : "gateway"))
        .ToDictionary(p => p.Id, p => p.Role));

    /// <summary>
    /// Waits until the cluster has worked off what a phase left behind (event cursors, callbacks, state
    /// writes): fewer than <paramref name="commitsPerSecond"/> commits in each of three seconds in a row.
    /// A measurement started earlier would bill that backlog to the next rate.
    /// </summary>
    public async Task WaitUntilIdleAsync(int commitsPerSecond = 50)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var (quietSeconds, last) = (0, await CommittedTransactionsAsync());
        while (quietSeconds < 3 && clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var now = await CommittedTransactionsAsync();
            quietSeconds = now - last < commitsPerSecond ? quietSeconds + 1 : 0;
            last = now;
        }

        Console.WriteLine($"idle after {clock.Elapsed.TotalSeconds:F0} s");
    }

    /// <summary>Resident memory of the (first) silo process, from /proc.</summary>
    public long SiloMemoryMegabytes()
    {
        var status = File.ReadAllLines($"/proc/{_processes[0].Id}/status");
        var rss = status.First(line => line.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(rss.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) / 1024;
    }

    public async ValueTask DisposeAsync()
    {
        Grpc.Dispose();
        foreach (var process in _processes.AsEnumerable().Reverse())
        {
            await process.DisposeAsync();
        }
    }
}
