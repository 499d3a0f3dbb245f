using System.Diagnostics;
using Engine.Grains.Abstractions;
using Engine.Grains.Options;
using Engine.Grains.Storage;
using Engine.Grains.Telemetry;
using System.Net.Http.Headers;
using System.Text;
using Engine.Grains.Abstractions.Events;
using Microsoft.Extensions.Options;
using Engine.Grains.Storage.DeadLetters;
using Engine.Grains.Storage.Events;

namespace Engine.Grains.Events;

/// <summary>Stored state of a partner webhook grain (state name "partner-webhook").</summary>
[GenerateSerializer, Alias("engine.partner-webhook-state.v1")]
public sealed class PartnerWebhookState
{
    [Id(0)] public WebhookSubscription? Subscription { get; set; }
    [Id(1)] public long DeliveredUpTo { get; set; }
    [Id(2)] public int FailedAttempts { get; set; }
    [Id(3)] public DateTimeOffset? FirstFailureAt { get; set; }
    [Id(4)] public DateTimeOffset? NextAttemptAt { get; set; }
    [Id(5)] public string? LastError { get; set; }
}

/// <summary>
/// Posts one subscription's events to the partner, one at a time in cursor order, reading them from the
/// event log on its own schedule: a slow or dead partner only ever delays itself. Failures back off
/// exponentially (with jitter, capped at an hour) for the retry window, then the event is parked in the
/// dead-letter list and delivery moves on. The position is grain state; a reminder keeps it going.
/// Each attempt is a span ("partner-webhook deliver"): under the relay's publish when its poke started
/// it, otherwise (a retry, a sweep) in a trace of its own linked to the poke that last announced events.
/// </summary>
[GrainType("partner-webhook")]
internal sealed partial class PartnerWebhookGrain(
    [PersistentState("partner-webhook", GrainStorage.Name)] IPersistentState<PartnerWebhookState> state,
    IEventLog events,
    IDeadLetterStore deadLetters,
    IHttpClientFactory httpClients,
    IOptions<EngineSettings> settings,
    TimeProvider time,
    ILogger<PartnerWebhookGrain> logger) : Grain, IPartnerWebhookGrain, IRemindable
{
    public const string HttpClientName = "partner-webhooks";
    private const string Reminder = "deliver";
    private const int PageSize = 50;
    private const int MaxReasonLength = 100;
    private static readonly TimeSpan Sweep = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromHours(1);

    private bool _delivering;
    private ActivityContext? _announcedBy;

    private string TenantId => GrainKeys.ParsePartnerWebhook(this.GetPrimaryKeyString()).TenantId;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (state.State.Subscription is not null)
        {
            this.RegisterGrainTimer(_ => DeliverAsync(poked: false), new GrainTimerCreationOptions(Sweep, Sweep));
        }

        return Task.CompletedTask;
    }

    public async Task StartAsync(WebhookSubscription subscription, long fromCursor)
    {
        var isNew = state.State.Subscription is null;
        state.State.Subscription = subscription;
        if (isNew)
        {
            state.State.DeliveredUpTo = fromCursor;
            this.RegisterGrainTimer(_ => DeliverAsync(poked: false), new GrainTimerCreationOptions(Sweep, Sweep));
        }

        await state.WriteStateAsync();
        await this.RegisterOrUpdateReminder(Reminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    public async Task StopAsync()
    {
        if (await this.GetReminder(Reminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
        }

        await state.ClearStateAsync();
        DeactivateOnIdle();
    }

    public Task PokeAsync()
    {
        _announcedBy = Activity.Current?.Context ?? _announcedBy;
        return DeliverAsync(poked: true);
    }

    public Task<WebhookDeliveryStatus> GetStatusAsync() => Task.FromResult(new WebhookDeliveryStatus(
        state.State.DeliveredUpTo, state.State.FailedAttempts, state.State.NextAttemptAt, state.State.LastError));

    public Task ReceiveReminder(string reminderName, TickStatus status) => DeliverAsync(poked: false);

    private async Task DeliverAsync(bool poked)
    {
        if (_delivering || state.State.Subscription is not { } subscription || state.State.NextAttemptAt > time.GetUtcNow())
        {
            return;
        }

        _delivering = true;
        var before = (state.State.DeliveredUpTo, state.State.FailedAttempts);
        try
        {
            var page = await events.ReadAsync(TenantId, state.State.DeliveredUpTo, PageSize);
            foreach (var evt in page)
            {
                if (subscription.EventTypes.Count > 0 && !subscription.EventTypes.Contains(evt.Type))
                {
                    state.State.DeliveredUpTo = evt.Cursor;
                    continue;
                }

                if (!await TryDeliverAsync(subscription, evt, poked))
                {
                    break;
                }
            }
        }
        finally
        {
            _delivering = false;
        }

        if ((state.State.DeliveredUpTo, state.State.FailedAttempts) != before)
        {
            await state.WriteStateAsync();
        }
    }

    // True when delivery may go on to the next event (delivered, or parked as dead).
    private async Task<bool> TryDeliverAsync(WebhookSubscription subscription, EngineEvent evt, bool poked)
    {
        using var activity = StartAttempt(subscription, evt, poked);
        var now = time.GetUtcNow();
        var body = CloudEventEnvelope.ToJson(evt);
        string? error;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, subscription.Url) { Content = new StringContent(body, Encoding.UTF8) };
            request.Content.Headers.ContentType = new MediaTypeHeaderValue("application/cloudevents+json");
            StandardWebhookSignature.Sign(request.Headers, subscription.Secret, evt.EventId, now, body);
            // Headers only: the partner's body is never read, let alone stored.
            using var response = await httpClients.CreateClient(HttpClientName).SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
            activity?.SetTag(EngineTelemetry.HttpResponseStatusCode, (int)response.StatusCode);
            error = response.IsSuccessStatusCode ? null : FailureOf(response);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            activity?.SetTag(EngineTelemetry.ErrorType, e.GetType().Name);
            error = e.Message;
        }

        if (error is null)
        {
            activity?.SetTag(EngineTelemetry.Outcome, "delivered");
            (state.State.DeliveredUpTo, state.State.FailedAttempts, state.State.FirstFailureAt, state.State.NextAttemptAt, state.State.LastError) =
                (evt.Cursor, 0, null, null, null);
            return true;
        }

        activity?.SetStatus(ActivityStatusCode.Error, error);
        state.State.FailedAttempts++;
        state.State.FirstFailureAt ??= now;
        state.State.LastError = error;
        if (now - state.State.FirstFailureAt >= settings.Value.PartnerWebhookRetryWindow)
        {
            await deadLetters.ParkAsync(new DeadLetter(TenantId, subscription.SubscriptionId, evt.Cursor, evt.EventId, evt.Type,
                state.State.FailedAttempts, error, state.State.FirstFailureAt.Value, now));
            LogParked(logger, subscription.SubscriptionId, evt.EventId, state.State.FailedAttempts);
            activity?.SetTag(EngineTelemetry.Outcome, "parked");
            (state.State.DeliveredUpTo, state.State.FailedAttempts, state.State.FirstFailureAt, state.State.NextAttemptAt) = (evt.Cursor, 0, null, null);
            return true;
        }

        state.State.NextAttemptAt = now + Backoff(state.State.FailedAttempts);
        activity?.SetTag(EngineTelemetry.Outcome, "retrying");
        return false;
    }

    // Ids, the event's type and the attempt's number: never the payload, whose subject and data name the person.
    private Activity? StartAttempt(WebhookSubscription subscription, EngineEvent evt, bool poked)
    {
        const string name = "partner-webhook deliver";
        var activity = poked
            ? EngineTelemetry.Source.StartActivity(name, ActivityKind.Client)
            : EngineTelemetry.StartRoot(name, ActivityKind.Client, _announcedBy is { } relay ? [new ActivityLink(relay)] : null);
        activity?.SetTag(EngineTelemetry.TenantId, TenantId)
            .SetTag(EngineTelemetry.SubscriptionId, subscription.SubscriptionId)
            .SetTag(EngineTelemetry.EventType, evt.Type)
            .SetTag(EngineTelemetry.EventCursor, evt.Cursor)
            .SetTag(EngineTelemetry.Attempt, state.State.FailedAttempts + 1);
        return activity;
    }

    // Status code and reason phrase only: the body is the partner's and could echo anything (an internal
    // page, a secret) into dead letters and the subscription status the tenant reads.
    private static string FailureOf(HttpResponseMessage response)
    {
        var reason = response.ReasonPhrase is { Length: > 0 } phrase ? " " + (phrase.Length > MaxReasonLength ? phrase[..MaxReasonLength] : phrase) : "";
        return $"HTTP {(int)response.StatusCode}{reason}";
    }

    private static TimeSpan Backoff(int attempts)
    {
        var exponential = TimeSpan.FromSeconds(Math.Pow(2, Math.Min(attempts - 1, 12)));
        var capped = exponential < MaxBackoff ? exponential : MaxBackoff;
        return capped * (0.8 + (Random.Shared.NextDouble() * 0.4));
    }

    [LoggerMessage(EventId = 2501, EventName = "PartnerWebhookParked", Level = LogLevel.Warning,
        Message = "Subscription {SubscriptionId} refused event {EventId} {Attempts} times over the retry window; parked as a dead letter")]
    private static partial void LogParked(ILogger logger, string subscriptionId, string eventId, int attempts);
}
