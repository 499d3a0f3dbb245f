using Engine.Gateway.Grpc.V1;
using Engine.TestSupport;
using Google.Protobuf.WellKnownTypes;
using Npgsql;

namespace Engine.Benchmarks;

/// <summary>
/// 100,000 leads, each with a follow-up pending on a durable reminder. Prints the silo's memory with
/// the grains idle, the lateness of the firings after they fell due (from automation_firings), and
/// checks that every lead fired exactly once and every follow-up reached the provider.
/// </summary>
internal static class AutomationBenchmark
{
    private const int Leads = 100_000;
    private const int ImportStreams = 16;
    private static readonly TimeSpan FollowUpDelay = TimeSpan.FromMinutes(6);

    public static async Task RunAsync()
    {
        await using var simulatorHost = await SimulatorHost.StartAsync();
        var simulator = simulatorHost.Simulator;
        simulator.CallbackDelay = TimeSpan.FromSeconds(1);
        var simulatorUrl = simulatorHost.BaseUrl;
        await using var cluster = await BenchmarkCluster.StartAsync("bench_automation", new Dictionary<string, string>
        {
            ["Providers__Twilio__BaseUrl"] = simulatorUrl,
            ["Providers__WhatsApp__BaseUrl"] = simulatorUrl,
            ["Engine__ApiKeyCallsPerSecond"] = "1000000",
        });
        var tenant = await cluster.CreateTenantAsync("bench-auth-token", new RateLimits { SmsSegmentsPerSecond = 100_000, DailyMessageCap = int.MaxValue });
        await new AutomationService.AutomationServiceClient(cluster.Grpc).PutPlaybookAsync(new PutPlaybookRequest
        {
            TenantId = tenant,
            Playbook = new Playbook
            {
                PlaybookId = "follow-up", Name = "Follow-up", Trigger = PlaybookTrigger.LeadCreated, Channel = Channel.Sms,
                Steps = { new PlaybookStep { Delay = Duration.FromTimeSpan(FollowUpDelay), Body = "Still looking for a home? Reply YES and we'll call you." } },
            },
        }, cluster.AdminAuth);

        Console.WriteLine($"creating {Leads:N0} leads, each with a follow-up due {FollowUpDelay.TotalMinutes} minutes later...");
        var started = DateTimeOffset.UtcNow;
        var phones = Enumerable.Range(0, Leads).Select(i => $"+1212{5000000 + i:D7}").ToArray();
        await Task.WhenAll(phones.Chunk(Leads / ImportStreams).Select(chunk => SendMessageBenchmark.ImportAsync(cluster, tenant, chunk)));
        var created = DateTimeOffset.UtcNow;
        Console.WriteLine($"created in {(created - started).TotalSeconds:F0} s");

        await using var db = NpgsqlDataSource.Create(cluster.ConnectionString);
        var pending = await ScalarAsync(db, "SELECT count(*) FROM OrleansRemindersTable WHERE ReminderName = 'automation'");
        await Task.Delay(TimeSpan.FromSeconds(20)); // let the grains go idle
        var idleMemoryMb = cluster.SiloMemoryMegabytes();
        Console.WriteLine($"{pending:N0} durable reminders pending; silo memory with grains idle: {idleMemoryMb:N0} MB");

        var lastDue = created + FollowUpDelay;
        Console.WriteLine($"waiting for the follow-ups (last due {lastDue:HH:mm:ss})...");
        var fired = await Eventually.GetAsync(() => ScalarAsync(db, "SELECT count(*) FROM automation_firings"), n => n >= Leads,
            lastDue - DateTimeOffset.UtcNow + TimeSpan.FromMinutes(5), "every follow-up to fire");
        await Task.Delay(TimeSpan.FromSeconds(10)); // anything fired twice would show now
        var lateness = await PercentilesAsync(db);
        var distinctLeads = await ScalarAsync(db, "SELECT count(DISTINCT lead_phone) FROM automation_firings");
        var outboundRows = await ScalarAsync(db, "SELECT count(*) FROM message_log WHERE direction = 'outbound'");
        var leadsMessagedTwice = await ScalarAsync(db, "SELECT count(*) FROM (SELECT lead_phone FROM message_log WHERE direction = 'outbound' GROUP BY lead_phone HAVING count(*) > 1) twice");
        long atProvider;
        try
        {
            atProvider = await Eventually.GetAsync(() => Task.FromResult((long)simulator.Sent.Count), n => n >= Leads, TimeSpan.FromMinutes(3), "every follow-up at the provider");
        }
        catch (TimeoutException)
        {
            atProvider = simulator.Sent.Count; // reported below as a failure of the check, not hidden
        }


        await Results.WriteAsync("automation-timers", new
        {
            leads = Leads,
            timers = "Orleans reminders on the ADO.NET PostgreSQL provider, plus a grain timer while the grain is active",
            creationSeconds = Math.Round((created - started).TotalSeconds),
            remindersPending = pending,
            siloMemoryIdleMb = idleMemoryMb,
            firingLatenessMs = new { p50 = lateness.P50, p99 = lateness.P99, max = lateness.Max },
            fired,
            distinctLeadsFired = distinctLeads,
            outboundRows,
            leadsMessagedTwice,
            receivedByProvider = atProvider,
            noLeadFiredTwiceOrSkipped = fired == Leads && distinctLeads == Leads && outboundRows == Leads && leadsMessagedTwice == 0 && atProvider == Leads,
            target = new { p99LatenessMs = 5_000 },
        });
    }

    private static async Task<long> ScalarAsync(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static async Task<(double P50, double P99, double Max)> PercentilesAsync(NpgsqlDataSource db)
    {
        await using var command = db.CreateCommand("""
            SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY ms), percentile_cont(0.99) WITHIN GROUP (ORDER BY ms), max(ms)
            FROM (SELECT extract(epoch FROM fired_at - due_at) * 1000 AS ms FROM automation_firings) lateness
            """);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (Math.Round(reader.GetDouble(0), 1), Math.Round(reader.GetDouble(1), 1), Math.Round(Convert.ToDouble(reader.GetValue(2), System.Globalization.CultureInfo.InvariantCulture), 1));
    }
}
