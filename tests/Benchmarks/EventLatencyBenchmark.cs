using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Engine.Gateway.Grpc.V1;
using Engine.Simulator;
using Grpc.Core;

namespace Engine.Benchmarks;

/// <summary>
/// Inbound webhooks at 1,000 per second while a subscriber reads message.received on EventService:
/// latency from sending the webhook to receiving its event on the stream.
/// </summary>
internal static class EventLatencyBenchmark
{
    private const int Rate = 1_000;
    private const int Leads = 1_000;
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(20);

    public static async Task RunAsync()
    {
        const string authToken = "bench-auth-token";
        await using var cluster = await BenchmarkCluster.StartAsync("bench_events");
        var tenant = await cluster.CreateTenantAsync(authToken);
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1_024 }) { BaseAddress = new Uri(cluster.PublicBaseUrl) };
        var url = $"{cluster.PublicBaseUrl}/webhooks/twilio/{tenant}";
        var sentAt = new ConcurrentDictionary<string, long>();
        var sequence = 0;
        async Task<bool> Send(int _)
        {
            var n = Interlocked.Increment(ref sequence);
            var token = $"evt-{n}";
            sentAt[token] = Stopwatch.GetTimestamp();
            KeyValuePair<string, string>[] fields =
            [
                new("MessageSid", $"SM{n:D32}"), new("AccountSid", "AC" + new string('5', 32)), new("From", $"+1212{5550000 + n % Leads:D7}"),
                new("To", "+14155550100"), new("Body", token), new("NumMedia", "0"),
            ];
            using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new FormUrlEncodedContent(fields) };
            request.Headers.Add("X-Twilio-Signature", TwilioSignature.Compute(authToken, url, fields));
            using var response = await http.SendAsync(request);
            return response.StatusCode == HttpStatusCode.OK;
        }

        Console.WriteLine("warming up (creating the leads)...");
        await OpenLoop.RunAsync(200, TimeSpan.FromSeconds(Leads / 200.0 + 1), 2_000, Send);
        sentAt.Clear(); // only events of the measured load count; the warm-up's are read past

        var latencies = new Latencies();
        using var stop = new CancellationTokenSource();
        var reader = Task.Run(async () =>
        {
            var key = cluster.AdminAuth;
            using var call = new EventService.EventServiceClient(cluster.Grpc).Subscribe(
                new SubscribeRequest { TenantId = tenant, AfterCursor = 0, EventTypes = { "message.received" } }, key, cancellationToken: stop.Token);
            try
            {
                while (await call.ResponseStream.MoveNext(stop.Token))
                {
                    var body = JsonDocument.Parse(call.ResponseStream.Current.CloudEvent).RootElement.GetProperty("data").GetProperty("body").GetString()!;
                    if (sentAt.TryRemove(body, out var started))
                    {
                        latencies.Add(Stopwatch.GetElapsedTime(started));
                    }
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
            {
            }
        });

        var before = sequence;
        var load = await OpenLoop.RunAsync(Rate, Duration, Rate * 2, Send);
        await Task.Delay(TimeSpan.FromSeconds(3));
        await stop.CancelAsync();
        await reader;
        Console.WriteLine($"offered {Rate}/s achieved {load.AchievedPerSecond:F0}/s; event latency p50 {latencies.Percentile(50):F1} ms p99 {latencies.Percentile(99):F1} ms over {latencies.Count} events");

        await Results.WriteAsync("event-latency", new
        {
            eventsPerSecond = Rate,
            achievedWebhooksPerSecond = Math.Round(load.AchievedPerSecond),
            webhookToStreamLatencyMs = new { p50 = latencies.Percentile(50), p99 = latencies.Percentile(99) },
            eventsMeasured = latencies.Count,
            webhooksSent = sequence - before,
        });
    }
}
