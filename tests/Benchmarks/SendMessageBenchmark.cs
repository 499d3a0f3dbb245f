using Engine.Gateway.Grpc.V1;
using Engine.Simulator;
using Engine.TestSupport;
using Grpc.Core;

namespace Engine.Benchmarks;

/// <summary>
/// SendMessage over gRPC at increasing offered rates, through the sender grain to the provider
/// simulator (which then posts signed status callbacks back, as Twilio would). Reports acknowledged
/// sends per second with latency, and checks the simulator received every acknowledged message.
/// </summary>
internal static class SendMessageBenchmark
{
    private const int Leads = 2_000;
    private const string CheckSeconds = "engine_handoff_check_duration_seconds_sum";
    private const string QueueWaitSeconds = "engine_sender_queue_wait_seconds_sum";
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(8);
    private static readonly TimeSpan MaxDeliveryLag = TimeSpan.FromSeconds(2);
    private static readonly int[] Rates = [100, 150, 200, 250, 500, 750, 1_000, 1_500, 2_000, 2_500, 3_000, 4_000];

    public static async Task RunAsync()
    {
        await using var simulatorHost = await SimulatorHost.StartAsync();
        var simulator = simulatorHost.Simulator;
        var simulatorUrl = simulatorHost.BaseUrl;
        await using var cluster = await BenchmarkCluster.StartAsync("bench_sends", new Dictionary<string, string>
        {
            ["Providers__Twilio__BaseUrl"] = simulatorUrl,
            ["Providers__WhatsApp__BaseUrl"] = simulatorUrl,
            ["Engine__ApiKeyCallsPerSecond"] = "1000000",
        });
        var tenant = await cluster.CreateTenantAsync("bench-auth-token", new RateLimits { SmsSegmentsPerSecond = 100_000, DailyMessageCap = int.MaxValue });
        var phones = Enumerable.Range(0, Leads).Select(i => $"+1212{5550000 + i:D7}").ToArray();
        await ImportAsync(cluster, tenant, phones);

        var conversations = new ConversationService.ConversationServiceClient(cluster.Grpc);
        var sequence = 0;
        async Task<bool> Send(int _)
        {
            var n = Interlocked.Increment(ref sequence);
            var reply = await conversations.SendMessageAsync(new SendMessageRequest
            {
                TenantId = tenant, Phone = phones[n % Leads], Channel = Channel.Sms, Body = $"Hi! Unit {n % 97} is open for viewing on Saturday.",
            }, cluster.AdminAuth);
            return reply.Status == SendStatus.Queued;
        }

        Console.WriteLine("warming up (activating conversations and senders)...");
        var warmUp = await OpenLoop.RunAsync(400, TimeSpan.FromSeconds(Leads / 400.0 + 2), 4_000, Send);
        // The steps start with an empty outbox: a warm-up backlog would otherwise be billed to the first step.
        await Eventually.GetAsync(() => Task.FromResult(simulator.Sent.Count), n => n >= warmUp.Succeeded, TimeSpan.FromMinutes(2), "the warm-up's sends at the simulator");
        var steps = new List<(RateResult Result, double DeliveryLagSeconds)>();
        RateResult? best = null;
        var commitsBefore = await cluster.CommittedTransactionsAsync();
        var deliveredBefore = simulator.Sent.Count;
        var checkSecondsBefore = await cluster.SiloMetricAsync(CheckSeconds);
        var waitSecondsBefore = await cluster.SiloMetricAsync(QueueWaitSeconds);
        await cluster.ResetStatementStatsAsync();
        foreach (var rate in Rates)
        {
            var result = await OpenLoop.RunAsync(rate, Step, rate * 2, Send);
            // Acknowledging is not sending: the rate counts only if the provider has every message soon after.
            var acknowledgedSoFar = deliveredBefore + steps.Sum(s => s.Result.Succeeded) + result.Succeeded;
            var lag = await DeliveryLagAsync(simulator, acknowledgedSoFar);
            steps.Add((result, lag.TotalSeconds));
            Console.WriteLine($"offered {rate,6}/s  achieved {result.AchievedPerSecond,8:F0}/s  failed {result.Failed}  dropped {result.Dropped}  p50 {result.P50Ms,7:F1} ms  p99 {result.P99Ms,7:F1} ms  at the provider {lag.TotalSeconds:F1} s after the last acknowledgement");
            if (!(result.AchievedPerSecond >= 0.95 * rate && result.Failed + result.Dropped <= result.Sent / 200 && result.P99Ms < 1_000 && lag <= MaxDeliveryLag))
            {
                break;
            }

            best = result;
        }

        var sentInSteps = steps.Sum(s => s.Result.Succeeded);
        await Eventually.GetAsync(() => Task.FromResult(simulator.Sent.Count - deliveredBefore), n => n >= sentInSteps, TimeSpan.FromMinutes(2), "the steps' sends at the simulator");
        var statementsPerSend = (double)(await cluster.CommittedTransactionsAsync() - commitsBefore) / Math.Max(1, sentInSteps);
        Console.WriteLine("statements per send in the steps, most frequent first:");
        var statements = await cluster.StatementsPerEventAsync(sentInSteps);
        // The hand-off check's share: its time per message against the time a message waited in its sender.
        var checkMicrosecondsPerSend = (await cluster.SiloMetricAsync(CheckSeconds) - checkSecondsBefore) * 1e6 / Math.Max(1, sentInSteps);
        var queueWaitMillisecondsPerSend = (await cluster.SiloMetricAsync(QueueWaitSeconds) - waitSecondsBefore) * 1e3 / Math.Max(1, sentInSteps);
        Console.WriteLine($"hand-off check: {checkMicrosecondsPerSend:F0} µs of batch time per message; a message waited {queueWaitMillisecondsPerSend:F1} ms in its sender on average");
        var sustained = best?.OfferedPerSecond ?? 0;
        var (half, cpu) = await HalfLoad.RunAsync(cluster, sustained, Send);
        Console.WriteLine($"half load {half.OfferedPerSecond}/s: p50 {half.P50Ms:F1} ms, p99 {half.P99Ms:F1} ms; {cpu.Describe()}");

        var acknowledged = warmUp.Succeeded + sentInSteps + half.Succeeded;
        var delivered = await Eventually.GetAsync(() => Task.FromResult(simulator.Sent.Count), n => n >= acknowledged, TimeSpan.FromMinutes(2), "the simulator to receive every acknowledged send");
        var withCallbacks = await Eventually.GetAsync(() => StatusCountAsync(cluster, tenant, "delivered"), n => n >= acknowledged, TimeSpan.FromMinutes(2), "every delivery callback to be applied");
        Console.WriteLine($"measuring the raw single-row insert ceiling with {BenchmarkCluster.PoolSize} connections...");
        var raw = await RawInsertCeiling.MeasureAsync(cluster.ConnectionString, BenchmarkCluster.PoolSize, Step);
        Console.WriteLine($"sustained {sustained}/s = {sustained / raw:F3} of the raw ceiling ({raw:F0}/s); {statementsPerSend:F2} committed statements per send (hand-off check, outbox, callbacks)");
        await Results.WriteAsync("send-message", new
        {
            topology = cluster.Topology,
            sustainedSendsPerSecond = sustained,
            rawInsertCeilingPerSecond = Math.Round(raw),
            ratioOfRawCeiling = Math.Round(sustained / raw, 3),
            committedStatementsPerSend = Math.Round(statementsPerSend, 2),
            statementsPerSend = statements,
            handOffCheckMicrosecondsPerSend = Math.Round(checkMicrosecondsPerSend),
            senderQueueWaitMillisecondsPerSend = Math.Round(queueWaitMillisecondsPerSend, 1),
            halfLoad = new { ratePerSecond = half.OfferedPerSecond, p50Ms = Math.Round(half.P50Ms, 1), p99Ms = Math.Round(half.P99Ms, 1), cpu.MachineBusy, cpuMillisecondsPerSend = cpu.PerEvent },
            acknowledged,
            receivedBySimulator = delivered,
            deliveredCallbacksApplied = withCallbacks,
            everyAcknowledgedSendReachedTheProviderWithItsCallbacks = delivered == acknowledged && withCallbacks == acknowledged,
            targets = new { ratioOfRawCeiling = 0.25, p99AckAtHalfLoadMs = 50 },
            maxDeliveryLagSeconds = MaxDeliveryLag.TotalSeconds,
            steps = steps.Select(s => new { s.Result.OfferedPerSecond, s.Result.AchievedPerSecond, s.Result.Succeeded, s.Result.Failed, s.Result.Dropped, s.Result.P50Ms, s.Result.P99Ms, s.DeliveryLagSeconds }),
        });
    }

    // How long after the step's last acknowledgement the simulator holds every acknowledged send; past
    // the limit the sender is falling behind and the rate is not sustained, however fast the acknowledgements.
    private static async Task<TimeSpan> DeliveryLagAsync(ProviderSimulator simulator, int acknowledged)
    {
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (simulator.Sent.Count < acknowledged && waited.Elapsed < TimeSpan.FromSeconds(60))
        {
            await Task.Delay(50);
        }

        return waited.Elapsed;
    }

    private static async Task<long> StatusCountAsync(BenchmarkCluster cluster, string tenant, string status)
    {
        await using var db = Npgsql.NpgsqlDataSource.Create(cluster.ConnectionString);
        await using var command = db.CreateCommand("SELECT count(*) FROM message_log WHERE tenant_id = $1 AND direction = 'outbound' AND status = $2");
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = tenant });
        command.Parameters.Add(new Npgsql.NpgsqlParameter { Value = status });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    internal static async Task<ImportLeadsSummary> ImportAsync(BenchmarkCluster cluster, string tenant, string[] phones)
    {
        using var import = new LeadService.LeadServiceClient(cluster.Grpc).ImportLeads(cluster.AdminAuth);
        foreach (var phone in phones)
        {
            await import.RequestStream.WriteAsync(new ImportLeadRow { TenantId = tenant, Phone = phone, OptedInChannel = Channel.Sms, ConsentEvidence = "benchmark" });
        }

        await import.RequestStream.CompleteAsync();
        var summary = await import;
        Console.WriteLine($"imported {summary.Imported} leads, {summary.Errors.Count} rows refused");
        return summary;
    }
}
