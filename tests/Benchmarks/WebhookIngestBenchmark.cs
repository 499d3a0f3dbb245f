using System.Net;
using Engine.Simulator;
using Npgsql;

namespace Engine.Benchmarks;

/// <summary>
/// Signed Twilio inbound webhooks over loopback against a Gateway and one or two Silos on PostgreSQL
/// and Redis, in two phases: every event from a number never seen before (a new lead), then events
/// from 2,000 leads already active. Each phase steps up the offered rate until it is no longer
/// sustained, then measures latency at half that rate. A 200 means the row is committed; every
/// acknowledged event's row is checked at the end. Throughput is reported as a ratio of the raw
/// single-row insert ceiling of the same PostgreSQL, measured in the same run.
/// </summary>
internal static class WebhookIngestBenchmark
{
    private const string AuthToken = "bench-auth-token";
    private const int WarmLeads = 2_000;
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(8);
    private static readonly int[] Rates = [250, 500, 750, 1_000, 1_500, 2_000, 2_500, 3_000, 4_000, 5_000, 6_000, 7_000, 8_000, 10_000];

    // New leads start lower: their sustained rate has been between 100/s and 250/s on this machine.
    private static readonly int[] NewLeadRates = [50, 100, 150, 200, .. Rates];

    /// <summary>Runs on each of <paramref name="siloCounts"/> (1 and 2 unless the command line names others).</summary>
    public static async Task RunAsync(IReadOnlyList<int> siloCounts)
    {
        var topologies = new List<object>();
        foreach (var silos in siloCounts)
        {
            topologies.Add(await RunTopologyAsync(silos));
        }

        await Results.WriteAsync("webhook-ingest", new
        {
            targets = new { newLeadRatio = 0.30, warmRatio = 0.50, p99AckAtHalfLoadMs = 50 },
            topologies,
        });
    }

    private static async Task<object> RunTopologyAsync(int silos)
    {
        await using var cluster = await BenchmarkCluster.StartAsync($"bench_webhooks_{silos}", silos: silos);
        Console.WriteLine($"== {cluster.Topology}");
        Console.WriteLine($"measuring the raw single-row insert ceiling with {BenchmarkCluster.PoolSize} connections...");
        var raw = await RawInsertCeiling.MeasureAsync(cluster.ConnectionString, BenchmarkCluster.PoolSize, Step);
        Console.WriteLine($"raw ceiling {raw:F0} inserts/s");

        var tenant = await cluster.CreateTenantAsync(AuthToken);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1_024, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = new Uri(cluster.PublicBaseUrl),
            Timeout = TimeSpan.FromSeconds(30),
        };
        var url = $"{cluster.PublicBaseUrl}/webhooks/twilio/{tenant}";
        var run = Guid.NewGuid().ToString("N")[..8];
        var sequence = 0;
        var newLeads = 0;
        Task<bool> NewLead(int _)
        {
            var n = Interlocked.Increment(ref sequence);
            var lead = Interlocked.Increment(ref newLeads);
            return SendAsync(http, url, $"SM{run}{n:D24}", $"+1312{2000000 + lead:D7}", "Hi, I saw your ad. Is the house still available?");
        }

        Task<bool> WarmLead(int _)
        {
            var n = Interlocked.Increment(ref sequence);
            return SendAsync(http, url, $"SM{run}{n:D24}", $"+1212{5550000 + n % WarmLeads:D7}", $"Is unit {n % 97} still available?");
        }

        var acknowledged = 0;
        // Fresh processes first compile every path a new lead takes (tiered JIT) and open their pools:
        // without this the first step measures start-up, not new leads. These numbers are not reused.
        Console.WriteLine("warming up with 1,000 new leads...");
        acknowledged += (await OpenLoop.RunAsync(100, TimeSpan.FromSeconds(10), 2_000, NewLead)).Succeeded;
        var fresh = await PhaseAsync(cluster, "new leads", NewLeadRates, NewLead, raw, a => acknowledged += a);
        Console.WriteLine("warming up 2,000 leads...");
        var warmUp = await OpenLoop.RunAsync(400, TimeSpan.FromSeconds(WarmLeads / 400.0 + 2), 4_000, WarmLead);
        acknowledged += warmUp.Succeeded;
        var warm = await PhaseAsync(cluster, "warm leads", Rates, WarmLead, raw, a => acknowledged += a);

        await using var db = NpgsqlDataSource.Create(cluster.ConnectionString);
        await using var count = db.CreateCommand("SELECT count(*) FROM message_log WHERE tenant_id = $1");
        count.Parameters.Add(new NpgsqlParameter { Value = tenant });
        var rows = (long)(await count.ExecuteScalarAsync())!;
        Console.WriteLine($"acknowledged {acknowledged}, rows {rows}");
        return new
        {
            topology = cluster.Topology,
            rawInsertCeilingPerSecond = Math.Round(raw),
            connections = BenchmarkCluster.PoolSize,
            newLeads = fresh,
            warmLeads = warm,
            acknowledged,
            rowsInMessageLog = rows,
            everyAcknowledgedEventHasItsRow = rows == acknowledged,
        };
    }

    private static async Task<object> PhaseAsync(
        BenchmarkCluster cluster, string name, int[] rates, Func<int, Task<bool>> send, double raw, Action<int> acknowledged)
    {
        var steps = new List<RateResult>();
        RateResult? best = null;
        var commitsBefore = await cluster.CommittedTransactionsAsync();
        await cluster.ResetStatementStatsAsync();
        foreach (var rate in rates)
        {
            var result = await OpenLoop.RunAsync(rate, Step, rate * 2, send);
            steps.Add(result);
            acknowledged(result.Succeeded);
            Console.WriteLine($"{name}: offered {rate,6}/s  achieved {result.AchievedPerSecond,8:F0}/s  failed {result.Failed}  dropped {result.Dropped}  p50 {result.P50Ms,7:F1} ms  p99 {result.P99Ms,7:F1} ms");
            if (!(result.AchievedPerSecond >= 0.95 * rate && result.Failed + result.Dropped <= result.Sent / 200 && result.P99Ms < 1_000))
            {
                break;
            }

            best = result;
        }

        var statementsPerEvent = (double)(await cluster.CommittedTransactionsAsync() - commitsBefore) / Math.Max(1, steps.Sum(s => s.Succeeded));
        Console.WriteLine($"{name}: the most frequent statements");
        var statements = await cluster.StatementsPerEventAsync(steps.Sum(s => s.Succeeded));
        var sustained = best?.OfferedPerSecond ?? 0;
        var (half, cpu) = await HalfLoad.RunAsync(cluster, sustained, send);
        acknowledged(half.Succeeded);
        Console.WriteLine($"{name}: sustained {sustained}/s = {sustained / raw:F3} of the raw ceiling; {statementsPerEvent:F2} committed statements per event; " +
            $"at half load ({half.OfferedPerSecond}/s) p50 {half.P50Ms:F1} ms, p99 {half.P99Ms:F1} ms; {cpu.Describe()}");
        return new
        {
            sustainedEventsPerSecond = sustained,
            ratioOfRawCeiling = Math.Round(sustained / raw, 3),
            committedStatementsPerEvent = Math.Round(statementsPerEvent, 2),
            statements,
            halfLoad = new { ratePerSecond = half.OfferedPerSecond, p50Ms = Math.Round(half.P50Ms, 1), p99Ms = Math.Round(half.P99Ms, 1), cpu.MachineBusy, cpuMillisecondsPerEvent = cpu.PerEvent },
            steps,
        };
    }

    private static async Task<bool> SendAsync(HttpClient http, string url, string sid, string from, string body)
    {
        KeyValuePair<string, string>[] fields =
        [
            new("MessageSid", sid), new("SmsMessageSid", sid), new("AccountSid", "AC" + new string('5', 32)),
            new("From", from), new("To", "+14155550100"), new("Body", body), new("NumMedia", "0"), new("ApiVersion", "2010-04-01"),
        ];
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("X-Twilio-Signature", TwilioSignature.Compute(AuthToken, url, fields));
        using var response = await http.SendAsync(request);
        return response.StatusCode == HttpStatusCode.OK;
    }
}
