using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Engine.Gateway.Grpc.V1;
using Engine.Gateway.Tests.Webhooks;
using Engine.Grains.Abstractions;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Channel = Engine.Gateway.Grpc.V1.Channel;

namespace Engine.Gateway.Tests.Consent;

/// <summary>What one step of a lead's script does.</summary>
internal enum TrafficStep { Import, FormOptIn, ApiOptOut, Send, SendLater, Template, Stop, Start, Yes, Text }

/// <summary>One step as it was made: its token (in the evidence, sid or body), when it was made and answered, and the answer.</summary>
internal sealed record TrafficCall(int Lead, TrafficStep Step, string Token, DateTimeOffset InvokedAt, DateTimeOffset ReturnedAt, StatusCode Outcome)
{
    public bool IsInbound => Step is TrafficStep.Stop or TrafficStep.Start or TrafficStep.Yes or TrafficStep.Text;
    public bool IsSend => Step is TrafficStep.Send or TrafficStep.SendLater or TrafficStep.Template;
}

/// <summary>
/// Random traffic for the consent property: each lead's seeded script, run against the gateway as the
/// business (gRPC) and the lead's phone (webhooks signed as Twilio signs them) would, each call recorded.
/// </summary>
internal sealed partial class ConsentTraffic(GatewayFixture fixture, TestTenant tenant)
{
    // The steps after the first, each as often as its weight.
    private static readonly TrafficStep[] Deck = new (TrafficStep Step, int Weight)[]
    {
        (TrafficStep.Send, 24), (TrafficStep.SendLater, 8), (TrafficStep.Template, 8), (TrafficStep.Stop, 12), (TrafficStep.Start, 6),
        (TrafficStep.Yes, 4), (TrafficStep.Text, 10), (TrafficStep.FormOptIn, 10), (TrafficStep.ApiOptOut, 6), (TrafficStep.Import, 6),
    }.SelectMany(w => Enumerable.Repeat(w.Step, w.Weight)).ToArray();

    private static readonly string[] Stops = ["STOP", "stop", "Unsubscribe", "STOPALL"];
    private static readonly string[] Starts = ["START", "UNSTOP"];

    private readonly LeadService.LeadServiceClient _leads = new(fixture.Grpc);
    private readonly ConversationService.ConversationServiceClient _conversations = new(fixture.Grpc);
    private readonly TaskCompletionSource _restartPoint = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _stepsDone;
    private int _restartAfter = int.MaxValue;
    private int _retries;

    public ConcurrentQueue<TrafficCall> Calls { get; } = new();
    public int Retries => _retries;

    public static string Phone(int lead) => $"+1917555{lead:D4}";

    [GeneratedRegex(@"t\d{4}s\d{2}")]
    public static partial Regex TokenPattern();

    /// <summary>A third of the leads start imported, a third with a signup form and a third with no consent at all.</summary>
    public static List<TrafficStep> Script(Random random)
    {
        var steps = random.Next(3) switch { 0 => new List<TrafficStep> { TrafficStep.Import }, 1 => [TrafficStep.FormOptIn], _ => [] };
        var length = random.Next(3, 9);
        while (steps.Count < length)
        {
            steps.Add(Deck[random.Next(Deck.Length)]);
        }

        return steps;
    }

    /// <summary>Speed-to-lead and an instant answer to every inbound SMS: steps that fire at once, or wait for consent.</summary>
    public async Task PutPlaybooksAsync()
    {
        var now = Duration.FromTimeSpan(TimeSpan.Zero);
        foreach (var (id, trigger, body) in new[]
        {
            ("welcome", PlaybookTrigger.LeadCreated, "Welcome to Property Test Realty!"),
            ("ack", PlaybookTrigger.InboundMessage, "Thanks for writing, an agent will reply shortly."),
        })
        {
            await new AutomationService.AutomationServiceClient(fixture.Grpc).PutPlaybookAsync(new PutPlaybookRequest
            {
                TenantId = tenant.Id,
                Playbook = new Playbook { PlaybookId = id, Trigger = trigger, Channel = Channel.Sms, Steps = { new PlaybookStep { Delay = now, Body = body } } },
            }, fixture.AdminAuth);
        }
    }

    /// <summary>Kills the silo hosting the SMS sender once <paramref name="steps"/> steps are done, then starts it again.</summary>
    public async Task<(int Silo, DateTimeOffset KilledAt, TimeSpan Outage)> RestartSmsSenderSiloAfterAsync(int steps)
    {
        Volatile.Write(ref _restartAfter, steps);
        await _restartPoint.Task;
        var sender = GrainId.Create("sender", GrainKeys.Sender(tenant.Id, Engine.Grains.Abstractions.Channel.Sms));
        var statistics = await fixture.Cluster.GetGrain<IManagementGrain>(0).GetDetailedGrainStatistics();
        var victim = Math.Max(0, fixture.SiloPorts.ToList().IndexOf(statistics.FirstOrDefault(s => s.GrainId == sender)?.SiloAddress.Endpoint.Port ?? 0));
        fixture.KillSilo(victim);
        var killedAt = DateTimeOffset.UtcNow;
        await fixture.StartSiloAsync(victim);
        return (victim, killedAt, DateTimeOffset.UtcNow - killedAt);
    }

    /// <summary>Makes a lead's steps one after the other; its own Random decides every choice and pause.</summary>
    public async Task RunLeadAsync(int lead, Random random, List<TrafficStep> steps)
    {
        for (var index = 0; index < steps.Count; index++)
        {
            if (random.Next(3) > 0)
            {
                await Task.Delay(random.Next(400)); // lets hand-offs race the next step; a third of the steps follow at once
            }

            var token = $"t{lead:D4}s{index:D2}";
            var request = Request(Phone(lead), steps[index], token, random);
            var invokedAt = DateTimeOffset.UtcNow;
            var outcome = await RetryAsync(request);
            Calls.Enqueue(new TrafficCall(lead, steps[index], token, invokedAt, DateTimeOffset.UtcNow, outcome));
            if (Interlocked.Increment(ref _stepsDone) == Volatile.Read(ref _restartAfter))
            {
                _restartPoint.TrySetResult();
            }
        }
    }

    // Every choice is made once, before the first attempt, so a retry repeats the same request.
    private Func<DateTime, Task> Request(string phone, TrafficStep step, string token, Random random)
    {
        var channel = random.Next(3) == 0 ? Channel.Whatsapp : Channel.Sms;
        var later = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMilliseconds(random.Next(1_000, 4_000)));
        var sendAt = random.Next(2) == 0 ? null : later;
        var send = new SendMessageRequest { TenantId = tenant.Id, Phone = phone, Channel = Channel.Sms, Body = $"listing {token}", IdempotencyKey = token };
        var (stop, start) = (Stops[random.Next(Stops.Length)], Starts[random.Next(Starts.Length)]);
        return step switch
        {
            TrafficStep.Import => deadline => ImportAsync(phone, channel, token, deadline),
            TrafficStep.FormOptIn => deadline => _leads.RecordConsentAsync(Consent(phone, channel, ConsentStatus.OptedIn, token), fixture.AdminAuth, deadline).ResponseAsync,
            TrafficStep.ApiOptOut => deadline => _leads.RecordConsentAsync(
                Consent(phone, channel == Channel.Sms ? Channel.Sms : Channel.Unspecified, ConsentStatus.OptedOut, token), fixture.AdminAuth, deadline).ResponseAsync,
            TrafficStep.Send => deadline => _conversations.SendMessageAsync(send, fixture.AdminAuth, deadline).ResponseAsync,
            TrafficStep.SendLater => deadline => _conversations.SendMessageAsync(new SendMessageRequest(send) { SendAt = later }, fixture.AdminAuth, deadline).ResponseAsync,
            TrafficStep.Template => deadline => _conversations.SendMessageAsync(new SendMessageRequest(send)
            {
                Channel = Channel.Whatsapp, Body = "", Template = new Template { Name = "listing_alert", Language = "en_US", Parameters = { token } }, SendAt = sendAt,
            }, fixture.AdminAuth, deadline).ResponseAsync,
            TrafficStep.Stop => deadline => InboundAsync(phone, token, stop, deadline),
            TrafficStep.Start => deadline => InboundAsync(phone, token, start, deadline),
            TrafficStep.Yes => deadline => InboundAsync(phone, token, "YES", deadline),
            _ => deadline => InboundAsync(phone, token, "Is the house on Elm St still available?", deadline),
        };
    }

    // An opt-in from a signup form, or an opt-out the business records (no channel: all of them).
    private RecordConsentRequest Consent(string phone, Channel channel, ConsentStatus status, string token) => new()
    {
        TenantId = tenant.Id, Phone = phone, Channel = channel, Status = status, IdempotencyKey = token,
        Source = status == ConsentStatus.OptedIn ? ConsentSource.Form : ConsentSource.Api,
        Evidence = status == ConsentStatus.OptedIn ? $"signup form {token}" : $"call note {token}: asked not to be contacted",
        OccurredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
    };

    private async Task ImportAsync(string phone, Channel channel, string token, DateTime deadline)
    {
        using var import = _leads.ImportLeads(fixture.AdminAuth, deadline);
        await import.RequestStream.WriteAsync(new ImportLeadRow
        {
            TenantId = tenant.Id, Phone = phone, Name = $"Lead {token}", OptedInChannel = channel, ConsentEvidence = $"open house sign-in {token}",
        });
        await import.RequestStream.CompleteAsync();
        if ((await import.ResponseAsync).Errors is [{ } refused])
        {
            throw new RpcException(new Status(StatusCode.FailedPrecondition, refused.Reason)); // the person revoked consent
        }
    }

    private async Task InboundAsync(string phone, string token, string body, DateTime deadline)
    {
        using var timeout = new CancellationTokenSource(deadline - DateTime.UtcNow);
        using var request = Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", Signed.TwilioInbound($"SM{token}", phone, body));
        using var response = await fixture.Http.SendAsync(request, timeout.Token);
        if ((int)response.StatusCode >= 500)
        {
            throw new HttpRequestException($"the webhook answered {(int)response.StatusCode}"); // Twilio retries these
        }

        Assert.Equal(200, (int)response.StatusCode);
    }

    // Retried as a provider or client would while a silo is down; every call is idempotent by its token.
    private async Task<StatusCode> RetryAsync(Func<DateTime, Task> call)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await call(DateTime.UtcNow.AddSeconds(10));
                return StatusCode.OK;
            }
            catch (RpcException e) when (e.StatusCode is StatusCode.FailedPrecondition or StatusCode.NotFound)
            {
                return e.StatusCode; // the engine's refusal: opted out, no consent, unknown lead
            }
            catch (Exception e) when (attempt < 40 && e is HttpRequestException or OperationCanceledException
                or RpcException { StatusCode: StatusCode.Unavailable or StatusCode.Unknown or StatusCode.Internal or StatusCode.DeadlineExceeded or StatusCode.Cancelled })
            {
                Interlocked.Increment(ref _retries);
                await Task.Delay(TimeSpan.FromMilliseconds(100 * Math.Min(attempt, 10)));
            }
        }
    }
}
