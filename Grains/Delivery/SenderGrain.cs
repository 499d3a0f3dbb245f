using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Delivery;
using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Leads;
using Engine.Grains.Policies;
using Engine.Grains.Storage.EarlyStatuses;
using Engine.Grains.Storage.Outbox;
using Engine.Grains.Telemetry;
using Engine.Grains.Tenants;

namespace Engine.Grains.Delivery;

/// <summary>
/// Drains one tenant's channel at the rate its sender allows. Messages are taken in the order they were
/// queued, never two of one conversation in flight, so each conversation stays in order; a batch is
/// handed to the provider concurrently. Reentrant so that enqueuing never waits for a batch in flight;
/// one drain loop runs at a time. The queue is the message log, reloaded on activation, and a reminder
/// brings the grain back after a crash while anything waits.
/// </summary>
[GrainType("sender"), Reentrant]
internal sealed partial class SenderGrain(
    IOutbox outbox,
    HandOffCheck handOffCheck,
    ProviderHandOff handOff,
    IEarlyStatuses earlyStatuses,
    TenantCache tenants,
    EngineMetrics metrics,
    TimeProvider time,
    ILogger<SenderGrain> logger) : Grain, ISenderGrain, IRemindable
{
    private const int MaxBatch = 256;
    private const int ReloadLimit = 10_000;
    private const string DrainReminder = "drain";
    private static readonly TimeSpan IdleTick = TimeSpan.FromSeconds(5);

    private readonly List<(string LeadAddress, string UserId)> _learnedUserIds = [];
    private readonly List<(string LeadAddress, ConsentChange Change)> _providerOptOuts = [];
    private readonly List<(QueuedMessage Message, HandOffResult Result)> _unrecorded = [];
    private SendQueue _queue = null!;
    private string _tenantId = "";
    private Channel _channel;
    private TokenBucket? _bucket;
    private (DateOnly Day, int Sent)? _dailyCount;
    private IGrainTimer? _timer;
    private bool _reminderRegistered;
    private bool _draining;
    private int _reportedDepth;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_tenantId, _channel) = GrainKeys.ParseSender(this.GetPrimaryKeyString());
        _queue = new SendQueue(_channel);
        await ReloadAsync(cancellationToken);
        await ScheduleAsync(TimeSpan.Zero);
    }

    public override Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        metrics.QueueDepthChanged(_channel, -_reportedDepth); // this process no longer holds them
        _reportedDepth = 0;
        return Task.CompletedTask;
    }

    public async Task EnqueueAsync(QueuedMessage message)
    {
        _queue.Add(message);
        if (!_draining)
        {
            await ScheduleAsync(TimeSpan.Zero);
        }
    }

    public Task WithdrawAsync(IReadOnlyList<Guid> canceledMessageIds)
    {
        _queue.Withdraw(canceledMessageIds);
        ReportDepth();
        return Task.CompletedTask;
    }

    // An activation with a timer will look: its drain reloads before it goes idle.
    public async Task WakeAsync()
    {
        if (_timer is null && !_draining)
        {
            await ReloadAsync(CancellationToken.None);
            await ScheduleAsync(TimeSpan.Zero);
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // Also a safety net: pick up anything queued while no activation knew of it.
        await ReloadAsync(CancellationToken.None);

        // A drain under way takes what was added. Re-arming now would dispose its timer, which cancels the
        // hand-offs in flight: a send the provider took was then retried as new (sent twice), and a batch
        // whose acceptance could no longer be recorded was lost from memory.
        if (!_draining)
        {
            await ScheduleAsync(TimeSpan.Zero);
        }
    }

    private async Task ReloadAsync(CancellationToken cancellationToken)
    {
        foreach (var message in await outbox.ReadAsync(_tenantId, _channel, ReloadLimit, cancellationToken))
        {
            _queue.Add(message);
        }
    }

    private async Task DrainAsync(CancellationToken cancellationToken)
    {
        if (_draining)
        {
            return;
        }

        _draining = true;
        var wait = IdleTick;
        try
        {
            while (_queue.Count > 0 || _unrecorded.Count > 0)
            {
                var tenant = await GetTenantAsync();
                await RecordEarlierOutcomesAsync(tenant);

                var now = time.GetUtcNow();
                var rate = SendRates.PerSecond(tenant, _channel);
                if (_bucket is null || Math.Abs(_bucket.RatePerSecond - rate) > 1e-9)
                {
                    _bucket = new TokenBucket(rate, Math.Max(1, rate), now);
                }

                var taken = _queue.Take(now, _bucket, tenant.RateLimits.DailyMessageCap - await SentTodayAsync(now), MaxBatch, IdleTick);
                wait = taken.Wait;
                if (taken.DailyCapReached)
                {
                    LogDailyCapReached(logger, _tenantId, _channel.ToWireName(), tenant.RateLimits.DailyMessageCap);
                }

                if (taken.Messages.Count == 0)
                {
                    break;
                }

                var (cleared, begun) = await CheckAndBeginAsync(tenant, taken.Messages, now, cancellationToken);
                foreach (var withdrawn in cleared.Where(m => !begun.Contains(m.MessageId)))
                {
                    _queue.Settle(withdrawn.MessageId); // canceled by an opt-out after it was queued
                }

                var handedOff = cleared.Where(m => begun.Contains(m.MessageId)).ToArray();
                foreach (var message in handedOff)
                {
                    metrics.LeftQueue(_channel, now - message.QueuedAt);
                }

                var results = await Task.WhenAll(handedOff.Select(message => handOff.RunAsync(_tenantId, tenant, _channel, message, cancellationToken)));
                await RecordAsync(tenant, handedOff, results);
                await LinkLearnedUserIdsAsync();
                ReportDepth();
            }
        }
        finally
        {
            // Always re-arm, even after a failure, so nothing waiting is left without a drain.
            _draining = false;
            await ScheduleAsync(wait);
        }
    }

    // When the check or the start of the hand-off fails (a lead grain's silo just died), nothing of the
    // batch has left: it goes back to the head of the line.
    private async Task<(List<QueuedMessage> Cleared, IReadOnlySet<Guid> Begun)> CheckAndBeginAsync(
        TenantSettings tenant, List<QueuedMessage> batch, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            var screening = await handOffCheck.CheckAsync(_tenantId, _channel, tenant, batch, now, cancellationToken);
            foreach (var (messageId, _) in screening.Suppressed)
            {
                _queue.Settle(messageId);
            }

            foreach (var (message, delay) in screening.Deferred)
            {
                _queue.Requeue(message, delay, now); // quiet hours: it waits in line
            }

            return (screening.Cleared, await outbox.BeginHandOffAsync(screening.Cleared.Select(m => m.MessageId).ToArray(), cancellationToken));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            _queue.Restore(batch);
            throw;
        }
    }

    // The log first, then this activation's memory, then other grains. Outcomes that could not be written
    // (the database failed half-way) are kept and written before the next batch: left out of the line and
    // forgotten, their messages would wait unseen (a reload skips messages already taken) until the grain
    // deactivated. A grain call that fails (its silo just died) costs only that call, never the batch.
    private async Task RecordAsync(TenantSettings tenant, QueuedMessage[] handedOff, HandOffResult[] results)
    {
        var provider = ProviderClients.ProviderOf(_channel);
        var accepted = results.OfType<HandOffResult.Accepted>().Select(a => a.HandOff).ToArray();
        var recorded = new HashSet<Guid>();
        IReadOnlySet<Guid> misadopted = new HashSet<Guid>();
        try
        {
            for (var i = 0; i < handedOff.Length; i++)
            {
                if (results[i] is HandOffResult.Failed failed)
                {
                    await outbox.RecordFailedAsync(handedOff[i].MessageId, provider, failed.ErrorCode, CancellationToken.None);
                    recorded.Add(handedOff[i].MessageId);
                }
            }

            // Even if the drain is canceled: the provider has them.
            misadopted = await outbox.RecordAcceptedAsync(accepted, CancellationToken.None);
            accepted = [.. accepted.Where(a => !misadopted.Contains(a.MessageId))];
            recorded.UnionWith(accepted.Select(a => a.MessageId));
        }
        finally
        {
            var now = time.GetUtcNow();
            for (var i = 0; i < handedOff.Length; i++)
            {
                var message = handedOff[i];
                if (results[i] is HandOffResult.Retry retry)
                {
                    _queue.Requeue(retry.Message, retry.Delay, now);
                }
                else if (misadopted.Contains(message.MessageId))
                {
                    // Two reconciled hand-offs took the same provider message: this one looks again, and
                    // now sees that message held.
                    LogMisadopted(logger, message.MessageId);
                    _queue.Requeue(message with { AttemptedAt = message.AttemptedAt ?? now }, TimeSpan.Zero, now);
                }
                else if (recorded.Contains(message.MessageId))
                {
                    Settle(tenant, message, results[i], now);
                }
                else
                {
                    _unrecorded.Add((message, results[i]));
                }
            }
        }

        if (_dailyCount is { } count)
        {
            _dailyCount = count with { Sent = count.Sent + accepted.Length };
        }

        await ApplyEarlyStatusesAsync(accepted, handedOff);
        await RecordProviderOptOutsAsync();
    }

    // Written in a statement of their own: an outcome the database refuses for good must not hold back
    // the batches behind it.
    private async Task RecordEarlierOutcomesAsync(TenantSettings tenant)
    {
        if (_unrecorded.Count == 0)
        {
            return;
        }

        var unrecorded = _unrecorded.ToArray();
        _unrecorded.Clear();
        try
        {
            await RecordAsync(tenant, [.. unrecorded.Select(u => u.Message)], [.. unrecorded.Select(u => u.Result)]);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogOutcomesNotRecorded(logger, _tenantId, unrecorded.Length, e.Message); // kept for the next pass
        }
    }

    private void Settle(TenantSettings tenant, QueuedMessage message, HandOffResult result, DateTimeOffset now)
    {
        _queue.Settle(message.MessageId);
        switch (result)
        {
            case HandOffResult.Failed failed:
                LogFailed(logger, message.MessageId, failed.ErrorCode);
                if (ProviderErrors.IsOptOut(failed.ErrorCode))
                {
                    _providerOptOuts.Add((message.LeadPhone, ConsentChanges.ProviderOptOut(
                        $"send/{message.MessageId}", ProviderClients.ProviderOf(_channel), failed.ErrorCode, message.MessageId.ToString(), _channel, tenant, now)));
                }

                break;
            case HandOffResult.Accepted a:
                if (a.RecipientUserId is { } userId)
                {
                    _learnedUserIds.Add((message.LeadPhone, userId));
                }

                if (_channel == Channel.WhatsApp)
                {
                    _queue.HoldConversation(message.LeadPhone, now + SendRates.WhatsAppPairInterval);
                }

                break;
        }
    }

    // A provider's "unsubscribed" reaches the lead; one whose lead could not be reached is tried again
    // after the next batch (the change is keyed by its message, so a repeat changes nothing).
    private async Task RecordProviderOptOutsAsync()
    {
        for (var i = _providerOptOuts.Count - 1; i >= 0; i--)
        {
            var (leadAddress, change) = _providerOptOuts[i];
            try
            {
                await GrainFactory.GetGrain<ILeadGrain>(GrainKeys.Lead(_tenantId, leadAddress)).RecordConsentAsync(change);
                _providerOptOuts.RemoveAt(i);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogOptOutNotRecorded(logger, _tenantId, e.Message);
            }
        }
    }

    // Meta answers a send to a number with the person's WhatsApp user id: linking it now lets a later
    // webhook that carries only that id reach this lead. Best effort: the message is already sent.
    private async Task LinkLearnedUserIdsAsync()
    {
        if (_learnedUserIds.Count == 0)
        {
            return;
        }

        var learned = _learnedUserIds.ToArray();
        _learnedUserIds.Clear();
        try
        {
            await WhatsAppUsers.LearnAsync(GrainFactory, _tenantId, learned);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogUserIdNotLinked(logger, learned.Length, e.Message);
        }
    }

    // Statuses that arrived before the ids were recorded go to their conversations now; each is
    // discarded once applied, so one that fails here stays parked instead of being lost.
    private async Task ApplyEarlyStatusesAsync(IReadOnlyList<AcceptedHandOff> accepted, IReadOnlyList<QueuedMessage> batch)
    {
        try
        {
            foreach (var report in await earlyStatuses.FindAsync(_tenantId, accepted.Select(a => a.ProviderMessageId).ToArray()))
            {
                var messageId = accepted.First(a => a.ProviderMessageId == report.ProviderMessageId).MessageId;
                var lead = batch.First(m => m.MessageId == messageId).LeadPhone;
                await GrainFactory.GetGrain<IConversationGrain>(GrainKeys.Conversation(_tenantId, lead, _channel)).ApplyStatusAsync(report);
                await earlyStatuses.DiscardAsync(_tenantId, report);
            }
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogEarlyStatusesNotApplied(logger, _tenantId, e.Message);
        }
    }

    private async Task ScheduleAsync(TimeSpan dueIn)
    {
        ReportDepth();
        _timer?.Dispose();
        _timer = null;
        if (_queue.Count == 0)
        {
            // Look in the log once more before going idle: a message whose EnqueueAsync was lost (the call
            // timed out while a silo restarted) is queued there, and nothing else would bring it here.
            await ReloadAsync(CancellationToken.None);
            if (_queue.Count > 0)
            {
                dueIn = TimeSpan.Zero;
            }
        }

        if (_queue.Count == 0 && _unrecorded.Count == 0)
        {
            if (_reminderRegistered && await this.GetReminder(DrainReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            _reminderRegistered = false;
            return;
        }

        // The timer first: registering the reminder can fail while a silo restarts, and the drain must still run.
        _timer = this.RegisterGrainTimer(DrainAsync, new GrainTimerCreationOptions(dueIn, Timeout.InfiniteTimeSpan) { KeepAlive = true });
        if (!_reminderRegistered)
        {
            await this.RegisterOrUpdateReminder(DrainReminder, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
            _reminderRegistered = true;
        }
    }

    private async Task<int> SentTodayAsync(DateTimeOffset now)
    {
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        if (_dailyCount is not { } count || count.Day != today)
        {
            var midnight = new DateTimeOffset(today.ToDateTime(TimeOnly.MinValue), TimeSpan.Zero);
            _dailyCount = (today, await outbox.CountSentSinceAsync(_tenantId, _channel, midnight));
        }

        return _dailyCount.Value.Sent;
    }

    // The queue-depth instrument follows this activation's queue by differences.
    private void ReportDepth()
    {
        metrics.QueueDepthChanged(_channel, _queue.Count - _reportedDepth);
        _reportedDepth = _queue.Count;
    }

    private Task<TenantSettings> GetTenantAsync() => tenants.RequireSettingsAsync(_tenantId);

    [LoggerMessage(EventId = 2205, EventName = "WhatsAppUserIdNotLinked", Level = LogLevel.Warning,
        Message = "Could not link {Count} WhatsApp user ids from send responses to their leads: {Reason}")]
    private static partial void LogUserIdNotLinked(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 2207, EventName = "ProviderOptOutNotRecorded", Level = LogLevel.Warning,
        Message = "A provider's opt-out for tenant {TenantId} could not reach its lead yet ({Reason}); it is tried again after the next batch")]
    private static partial void LogOptOutNotRecorded(ILogger logger, string tenantId, string reason);

    [LoggerMessage(EventId = 2208, EventName = "EarlyStatusesNotApplied", Level = LogLevel.Warning,
        Message = "Statuses that came before their sends were recorded (tenant {TenantId}) stay parked: {Reason}")]
    private static partial void LogEarlyStatusesNotApplied(ILogger logger, string tenantId, string reason);

    [LoggerMessage(EventId = 2209, EventName = "SendOutcomesNotRecorded", Level = LogLevel.Warning,
        Message = "{Count} send outcomes of tenant {TenantId} could not be written yet ({Reason}); they are tried again before the next batch")]
    private static partial void LogOutcomesNotRecorded(ILogger logger, string tenantId, int count, string reason);

    [LoggerMessage(EventId = 2210, EventName = "SendMisadopted", Level = LogLevel.Information,
        Message = "Message {MessageId} was reconciled with a provider message another message holds; it is looked up again")]
    private static partial void LogMisadopted(ILogger logger, Guid messageId);

    [LoggerMessage(EventId = 2202, EventName = "SendFailed", Level = LogLevel.Information,
        Message = "Message {MessageId} failed for good with {ErrorCode}")]
    private static partial void LogFailed(ILogger logger, Guid messageId, string errorCode);

    [LoggerMessage(EventId = 2203, EventName = "DailyCapReached", Level = LogLevel.Warning,
        Message = "Tenant {TenantId} reached its daily cap of {Cap} on {Channel}; the rest waits for tomorrow")]
    private static partial void LogDailyCapReached(ILogger logger, string tenantId, string channel, int cap);
}
