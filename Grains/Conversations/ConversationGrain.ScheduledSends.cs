using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Delivery;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Policies;
using Engine.Grains.Storage;
using Engine.Grains.Telemetry;

namespace Engine.Grains.Conversations;

// Sends scheduled for later (a send time, quiet hours): held in the grain's stored schedule (read only
// when a send or a wake-up needs it), released by a timer while the grain is active and by a reminder
// when it is not.
internal sealed partial class ConversationGrain
{
    private const string PendingSendsReminder = "pending-sends";
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan TimerHorizon = TimeSpan.FromMinutes(5);

    private IGrainTimer? _releaseTimer;

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        reminderName == PendingSendsReminder ? ReleaseDueAsync(EngineMetrics.WokenByReminder) : Task.CompletedTask;

    private async Task ReleaseDueAsync(string wokenBy)
    {
        await EnsureHistoryAsync();
        var now = time.GetUtcNow();
        var due = (await _schedule.GetAsync()).Pending.Where(p => p.DueAt <= now).ToArray();
        foreach (var pending in due)
        {
            await ReleaseAsync(pending, now, wokenBy);
        }

        await EnsureReminderAsync();
    }

    // A deferred send is re-checked when it falls due: the lead may have opted out, the WhatsApp
    // window may have closed, and a late reminder must not release a message into quiet hours.
    private async Task ReleaseAsync(PendingSend pending, DateTimeOffset now, string wokenBy)
    {
        var tenant = await GetTenantSettingsAsync();
        var lead = await Lead.GetAsync();
        var decision = HandOffPolicy.Decide(pending.Request.Purpose, pending.Request.Template is not null, _channel, lead, _lastInboundAt, tenant, now);
        if (decision.Verdict == HandOffVerdict.Defer)
        {
            var schedule = await _schedule.GetAsync();
            schedule.Pending[schedule.Pending.IndexOf(pending)] = pending with { DueAt = decision.NotBefore!.Value };
            await WriteScheduleAsync();
            return;
        }

        // An opt-out may have canceled the row already; then it must not be queued.
        var status = decision.Verdict == HandOffVerdict.Send ? DeliveryStatus.Queued : DeliveryStatus.Canceled;
        var moved = await conversationLog.AdvanceStatusByIdAsync(pending.MessageId, status);
        if (status == DeliveryStatus.Canceled || !moved)
        {
            LogScheduledSendCanceled(logger, pending.MessageId, decision.Reason ?? "canceled before release");
        }
        else
        {
            NotifySender(new QueuedMessage(pending.MessageId, _phone, pending.Request.Body, pending.Request.Template, now, Purpose: pending.Request.Purpose, Media: pending.Request.Media));
            metrics.ScheduledSendReleased(wokenBy, now - pending.DueAt);
        }

        (await _schedule.GetAsync()).Pending.Remove(pending);
        await WriteScheduleAsync();
    }

    private Task WriteScheduleAsync() => this.WriteOrDeactivateAsync(_schedule.WriteAsync);

    // The reminder is the durable wake-up. Its first tick can come a whole period late (seen when it had
    // just been unregistered and registered again), so while the grain is active a timer releases on time.
    private async Task EnsureReminderAsync()
    {
        _releaseTimer?.Dispose();
        _releaseTimer = null;
        var pending = (await _schedule.GetAsync()).Pending;
        if (pending.Count == 0)
        {
            if (await this.GetReminder(PendingSendsReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            return;
        }

        var dueIn = pending.Min(p => p.DueAt) - time.GetUtcNow();
        dueIn = dueIn > TimeSpan.Zero ? dueIn : TimeSpan.Zero;
        if (dueIn < TimerHorizon)
        {
            _releaseTimer = this.RegisterGrainTimer(_ => ReleaseDueAsync(EngineMetrics.WokenByTimer), new GrainTimerCreationOptions(dueIn, Timeout.InfiniteTimeSpan));
        }

        await this.RegisterOrUpdateReminder(PendingSendsReminder, dueIn, ReminderPeriod);
    }

    [LoggerMessage(EventId = 2101, EventName = "ScheduledSendCanceled", Level = LogLevel.Information,
        Message = "Scheduled message {MessageId} canceled at release: {Reason}")]
    private static partial void LogScheduledSendCanceled(ILogger logger, Guid messageId, string reason);
}
