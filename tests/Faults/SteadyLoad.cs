using System.Collections.Concurrent;
using System.Diagnostics;
using Engine.Gateway.Grpc.V1;
using Engine.Simulator;
using Grpc.Core;

namespace Engine.Faults.Tests;

/// <summary>
/// Open-loop traffic as real clients make it: inbound Twilio webhooks and idempotent SendMessage calls
/// at a steady rate, each retried (same sid, same idempotency key) until the gateway accepts it. Every
/// failed attempt is a client-visible error, kept with when it happened.
/// </summary>
public sealed class SteadyLoad(FaultCluster cluster, string caseName)
{
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(250);
    private static readonly TimeSpan GiveUpAfter = TimeSpan.FromSeconds(90);

    private readonly Stopwatch _clock = new();

    /// <summary>Webhook MessageSids the gateway acknowledged (2xx).</summary>
    public ConcurrentBag<string> AcceptedWebhooks { get; } = [];

    /// <summary>Sends the gateway acknowledged, by body (unique per send).</summary>
    public ConcurrentDictionary<string, string> AcceptedSends { get; } = new(StringComparer.Ordinal);

    /// <summary>Failed attempts: seconds since the load began, and what the client saw.</summary>
    public ConcurrentBag<(double At, string What)> Errors { get; } = [];

    /// <summary>Operations never accepted within the give-up time.</summary>
    public int GaveUp => _gaveUp;

    public TimeSpan Elapsed => _clock.Elapsed;

    private int _gaveUp;

    /// <summary>Runs <paramref name="perSecond"/> operations a second (half webhooks, half sends) for <paramref name="duration"/>, then waits for all of them.</summary>
    public async Task RunAsync(int perSecond, TimeSpan duration)
    {
        _clock.Start();
        var operations = new List<Task>();
        var total = (int)(perSecond * duration.TotalSeconds);
        for (var n = 0; n < total; n++)
        {
            var due = TimeSpan.FromSeconds(n / (double)perSecond);
            if (due > _clock.Elapsed)
            {
                await Task.Delay(due - _clock.Elapsed);
            }

            operations.Add(n % 2 == 0 ? WebhookAsync(n) : SendAsync(n));
        }

        await Task.WhenAll(operations);
    }

    private Task WebhookAsync(int n)
    {
        var sid = $"SM{caseName}{n:D6}".PadRight(34, '0');
        var path = $"/webhooks/twilio/{FaultCluster.TenantId}";
        KeyValuePair<string, string>[] fields =
        [
            new("MessageSid", sid), new("SmsMessageSid", sid), new("SmsSid", sid), new("AccountSid", "AC" + new string('3', 32)),
            new("From", cluster.Leads[n % cluster.Leads.Count]), new("To", "+14155550199"), new("Body", $"inbound {caseName} {n}"),
            new("NumMedia", "0"), new("NumSegments", "1"), new("SmsStatus", "received"), new("ApiVersion", "2010-04-01"),
        ];
        var signature = TwilioSignature.Compute(FaultCluster.AuthToken, cluster.PublicBaseUrl + path, fields);
        return UntilAcceptedAsync(async () =>
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, path) { Content = new FormUrlEncodedContent(fields) };
            request.Headers.Add("X-Twilio-Signature", signature);
            using var response = await cluster.Http.SendAsync(request);
            return response.IsSuccessStatusCode ? null : $"webhook {(int)response.StatusCode}";
        }, () => AcceptedWebhooks.Add(sid));
    }

    private Task SendAsync(int n)
    {
        var body = $"outbound {caseName} {n}";
        var request = new SendMessageRequest
        {
            TenantId = FaultCluster.TenantId, Phone = cluster.Leads[n % cluster.Leads.Count], Channel = Channel.Sms, Body = body, IdempotencyKey = $"{caseName}-{n}",
        };
        var conversations = new ConversationService.ConversationServiceClient(cluster.Grpc);
        string? messageId = null;
        return UntilAcceptedAsync(async () =>
        {
            var response = await conversations.SendMessageAsync(request, cluster.AdminAuth, deadline: DateTime.UtcNow.AddSeconds(10));
            messageId = response.MessageId;
            return null;
        }, () => AcceptedSends[body] = messageId!);
    }

    private async Task UntilAcceptedAsync(Func<Task<string?>> attempt, Action accepted)
    {
        var started = _clock.Elapsed;
        while (_clock.Elapsed - started < GiveUpAfter)
        {
            var attemptStarted = _clock.Elapsed;
            string? error;
            try
            {
                error = await attempt();
            }
            catch (RpcException e)
            {
                error = $"gRPC {e.StatusCode}: {e.Status.Detail}";
            }
            catch (HttpRequestException e)
            {
                error = $"HTTP {e.HttpRequestError}: {e.Message}";
            }
            catch (TaskCanceledException)
            {
                error = "HTTP timeout";
            }

            if (error is null)
            {
                accepted();
                return;
            }

            Errors.Add((_clock.Elapsed.TotalSeconds, $"{error} (attempt began at {attemptStarted.TotalSeconds:F1}s)"));
            await Task.Delay(RetryPause);
        }

        Interlocked.Increment(ref _gaveUp);
    }
}
