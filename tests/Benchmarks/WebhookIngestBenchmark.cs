using System.Net;
using Engine.Gateway.Webhooks;
using Npgsql;

namespace Engine.Benchmarks;

/// <summary>
/// Signed Twilio inbound webhooks over loopback at increasing offered rates against a Gateway and a
/// Silo on PostgreSQL and Redis. A 200 means the row is committed (the grain acknowledges after the
/// insert), and the row count is checked at the end.
/// </summary>
internal static class WebhookIngestBenchmark
{
    private const int Leads = 2_000;
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(10);
    private static readonly int[] Rates = [500, 1_000, 1_500, 2_000, 2_500, 3_000, 3_500, 4_000, 5_000, 6_000, 8_000];

    public static async Task RunAsync()
    {
        const string authToken = "bench-auth-token";
        await using var cluster = await BenchmarkCluster.StartAsync("bench_webhooks");
        var tenant = await cluster.CreateTenantAsync(authToken);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1_024, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(5) })
        {
            BaseAddress = new Uri(cluster.PublicBaseUrl),
            Timeout = TimeSpan.FromSeconds(30),
        };
        var url = $"{cluster.PublicBaseUrl}/webhooks/twilio/{tenant}";
        var run = Guid.NewGuid().ToString("N")[..8];
        var sequence = 0;
        Task<bool> Send(int _)
        {
            var n = Interlocked.Increment(ref sequence);
            return SendAsync(http, url, authToken, $"SM{run}{n:D24}", $"+1212{5550000 + n % Leads:D7}", $"Is unit {n % 97} still available?");
        }

        Console.WriteLine("warming up (activating lead and conversation grains)...");
        var warmUp = await OpenLoop.RunAsync(400, TimeSpan.FromSeconds(Leads / 400.0 + 2), 4_000, Send);

        var steps = new List<RateResult>();
        RateResult? best = null;
        foreach (var rate in Rates)
        {
            var result = await OpenLoop.RunAsync(rate, Step, rate * 2, Send);
            steps.Add(result);
            Console.WriteLine($"offered {rate,6}/s  achieved {result.AchievedPerSecond,8:F0}/s  failed {result.Failed}  dropped {result.Dropped}  p50 {result.P50Ms,7:F1} ms  p99 {result.P99Ms,7:F1} ms");
            var sustained = result.AchievedPerSecond >= 0.95 * rate && result.Failed + result.Dropped <= result.Sent / 200 && result.P99Ms < 1_000;
            if (!sustained)
            {
                break;
            }

            best = result;
        }

        var maxRate = best?.OfferedPerSecond ?? 0;
        var half = await OpenLoop.RunAsync(Math.Max(maxRate / 2, 100), TimeSpan.FromSeconds(15), maxRate * 2 + 100, Send);
        Console.WriteLine($"half load {half.OfferedPerSecond}/s: p50 {half.P50Ms:F1} ms, p99 {half.P99Ms:F1} ms");

        await using var db = NpgsqlDataSource.Create(cluster.ConnectionString);
        await using var count = db.CreateCommand("SELECT count(*) FROM message_log WHERE tenant_id = $1");
        count.Parameters.Add(new NpgsqlParameter { Value = tenant });
        var rows = (long)(await count.ExecuteScalarAsync())!;
        var acknowledged = warmUp.Succeeded + steps.Sum(s => s.Succeeded) + half.Succeeded;

        Console.WriteLine($"measuring raw single-row insert ceiling with {BenchmarkCluster.PoolSize} connections...");
        var raw = await RawInsertCeiling.MeasureAsync(cluster.ConnectionString, BenchmarkCluster.PoolSize, Step);

        await Results.WriteAsync("webhook-ingest", new
        {
            sustainedEventsPerSecond = maxRate,
            halfLoad = new { ratePerSecond = half.OfferedPerSecond, p50Ms = half.P50Ms, p99Ms = half.P99Ms },
            rawInsertCeilingPerSecond = Math.Round(raw),
            connections = BenchmarkCluster.PoolSize,
            ratioOfRawCeiling = Math.Round(maxRate / raw, 3),
            rowsInMessageLog = rows,
            acknowledged,
            everyAcknowledgedEventHasItsRow = rows == acknowledged,
            targets = new { eventsPerSecond = 2_500, ratioOfRawCeiling = 0.25, p99AckAtHalfLoadMs = 50 },
            steps,
        });
    }

    private static async Task<bool> SendAsync(HttpClient http, string url, string authToken, string sid, string from, string body)
    {
        KeyValuePair<string, string>[] fields =
        [
            new("MessageSid", sid), new("SmsMessageSid", sid), new("AccountSid", "AC" + new string('5', 32)),
            new("From", from), new("To", "+14155550100"), new("Body", body), new("NumMedia", "0"), new("ApiVersion", "2010-04-01"),
        ];
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("X-Twilio-Signature", TwilioSignature.Compute(authToken, url, fields));
        using var response = await http.SendAsync(request);
        return response.StatusCode == HttpStatusCode.OK;
    }
}
