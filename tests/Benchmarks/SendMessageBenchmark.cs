using Engine.Gateway.Grpc.V1;
using Engine.Gateway.Simulator;
using Engine.TestSupport;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Engine.Benchmarks;

/// <summary>
/// SendMessage over gRPC at increasing offered rates, through the sender grain to the provider
/// simulator (which then posts signed status callbacks back, as Twilio would). Reports acknowledged
/// sends per second with latency, and checks the simulator received every acknowledged message.
/// </summary>
internal static class SendMessageBenchmark
{
    private const int Leads = 2_000;
    private static readonly TimeSpan Step = TimeSpan.FromSeconds(10);
    private static readonly int[] Rates = [500, 1_000, 1_500, 2_000, 2_500, 3_000, 4_000];

    public static async Task RunAsync()
    {
        await using var simulatorHost = await SimulatorHost.StartAsync();
        var simulator = simulatorHost.Services.GetRequiredService<ProviderSimulator>();
        var simulatorUrl = simulatorHost.Urls.First();
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
        var steps = new List<RateResult>();
        RateResult? best = null;
        foreach (var rate in Rates)
        {
            var result = await OpenLoop.RunAsync(rate, Step, rate * 2, Send);
            steps.Add(result);
            Console.WriteLine($"offered {rate,6}/s  achieved {result.AchievedPerSecond,8:F0}/s  failed {result.Failed}  dropped {result.Dropped}  p50 {result.P50Ms,7:F1} ms  p99 {result.P99Ms,7:F1} ms");
            if (!(result.AchievedPerSecond >= 0.95 * rate && result.Failed + result.Dropped <= result.Sent / 200 && result.P99Ms < 1_000))
            {
                break;
            }

            best = result;
        }

        var acknowledged = warmUp.Succeeded + steps.Sum(s => s.Succeeded);
        var delivered = await Eventually.GetAsync(() => Task.FromResult(simulator.Sent.Count), n => n >= acknowledged, TimeSpan.FromMinutes(2), "the simulator to receive every acknowledged send");
        await Results.WriteAsync("send-message", new
        {
            sustainedSendsPerSecond = best?.OfferedPerSecond ?? 0,
            atSustainedRate = best is null ? null : new { p50Ms = best.P50Ms, p99Ms = best.P99Ms },
            acknowledged,
            receivedBySimulator = delivered,
            everyAcknowledgedSendReachedTheProvider = delivered == acknowledged,
            target = new { sendsPerSecond = 2_000 },
            steps,
        });
    }

    internal static async Task ImportAsync(BenchmarkCluster cluster, string tenant, string[] phones)
    {
        using var import = new LeadService.LeadServiceClient(cluster.Grpc).ImportLeads(cluster.AdminAuth);
        foreach (var phone in phones)
        {
            await import.RequestStream.WriteAsync(new ImportLeadRow { TenantId = tenant, Phone = phone, OptedInChannel = Channel.Sms, ConsentEvidence = "benchmark" });
        }

        await import.RequestStream.CompleteAsync();
        var summary = await import;
        Console.WriteLine($"imported {summary.Imported} leads");
    }
}
