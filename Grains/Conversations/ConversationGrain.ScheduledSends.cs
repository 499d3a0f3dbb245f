using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Delivery;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Policies;

namespace Engine.Grains.Conversations;

// Sends scheduled for later (a send time, quiet hours): held in the grain's state, released by a
// timer while the grain is active and by a reminder when it is not.
internal sealed partial class ConversationGrain
{
    private const string PendingSendsReminder = "pending-sends";
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan TimerHorizon = TimeSpan.FromMinutes(5);

    private IGrainTimer? _releaseTimer;

    public Task ReceiveReminder(string reminderName, TickStatus status) =>
        reminderName == PendingSendsReminder ? ReleaseDueAsync(CancellationToken.None) : Task.CompletedTask;

    private async Task ReleaseDueAsync(CancellationToken cancellationToken)
    {
        await EnsureHistoryAsync();
        var now = time.GetUtcNow();
        var due = state.State.Pending.Where(p => p.DueAt <= now).ToArray();
        foreach (var pending in due)
        {
            await ReleaseAsync(pending, now);
        }

        await EnsureReminderAsync();
    }

    // A deferred send is re-checked when it falls due: the lead may have opted out, the WhatsApp
    // window may have closed, and a late reminder must not release a message into quiet hours.
    private async Task ReleaseAsync(PendingSend pending, DateTimeOffset now)
    {
        var tenant = await GetTenantSettingsAsync();
        var lead = await Lead.GetAsync();
        var decision = HandOffPolicy.Decide(pending.Request.Purpose, pending.Request.Template is not null, _channel, lead, _lastInboundAt, tenant, now);
        if (decision.Verdict == HandOffVerdict.Defer)
        {
            state.State.Pending[state.State.Pending.IndexOf(pending)] = pending with { DueAt = decision.NotBefore!.Value };
            await state.WriteStateAsync();
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
        }

        state.State.Pending.Remove(pending);
        await state.WriteStateAsync();
    }

    // The reminder is the durable wake-up. Its first tick can come a whole period late (seen when it had
    // just been unregistered and registered again), so while the grain is active a timer releases on time.
    private async Task EnsureReminderAsync()
    {
        _releaseTimer?.Dispose();
        _releaseTimer = null;
        if (state.State.Pending.Count == 0)
        {
            if (await this.GetReminder(PendingSendsReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            return;
        }

        var dueIn = state.State.Pending.Min(p => p.DueAt) - time.GetUtcNow();
        dueIn = dueIn > TimeSpan.Zero ? dueIn : TimeSpan.Zero;
        if (dueIn < TimerHorizon)
        {
            _releaseTimer = this.RegisterGrainTimer(ReleaseDueAsync, new GrainTimerCreationOptions(dueIn, Timeout.InfiniteTimeSpan));
        }

        await this.RegisterOrUpdateReminder(PendingSendsReminder, dueIn, ReminderPeriod);
    }

    [LoggerMessage(EventId = 2101, EventName = "ScheduledSendCanceled", Level = LogLevel.Information,
        Message = "Scheduled message {MessageId} canceled at release: {Reason}")]
    private static partial void LogScheduledSendCanceled(ILogger logger, Guid messageId, string reason);
}
