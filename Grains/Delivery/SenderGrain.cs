using System.Diagnostics;
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
using Engine.Grains.Storage.Messages;
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
    IConversationLog conversationLog,
    ProviderClients providers,
    IEarlyStatuses earlyStatuses,
    TenantCache tenants,
    EngineMetrics metrics,
    TimeProvider time,
    ILogger<SenderGrain> logger) : Grain, ISenderGrain, IRemindable
{
    private const int MaxBatch = 256;
    private const int ReloadLimit = 10_000;
    private const string DrainReminder = "drain";
    private static readonly TimeSpan TransientBackoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan IdleTick = TimeSpan.FromSeconds(5);

    private readonly LinkedList<QueuedMessage> _queue = [];
    private readonly HashSet<Guid> _known = [];
    private readonly Dictionary<string, DateTimeOffset> _notBefore = new(StringComparer.Ordinal); // WhatsApp pair limit, backoff
    private readonly List<(string LeadAddress, string UserId)> _learnedUserIds = [];
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
        foreach (var message in await outbox.ReadAsync(_tenantId, _channel, ReloadLimit, cancellationToken))
        {
            Add(message);
        }

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
        Add(message);
        if (!_draining)
        {
            await ScheduleAsync(TimeSpan.Zero);
        }
    }

    public Task WithdrawAsync(IReadOnlyList<Guid> canceledMessageIds)
    {
        var canceled = canceledMessageIds.ToHashSet();
        for (var node = _queue.First; node is not null;)
        {
            var next = node.Next;
            if (canceled.Contains(node.Value.MessageId) && node.Value.AttemptedAt is null) // an unknown outcome is still reconciled
            {
                _known.Remove(node.Value.MessageId);
                _queue.Remove(node);
            }

            node = next;
        }

        ReportDepth();
        return Task.CompletedTask;
    }

    public Task<int> GetBacklogAsync() => Task.FromResult(_queue.Count);

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // Also a safety net: pick up anything queued while no activation knew of it.
        foreach (var message in await outbox.ReadAsync(_tenantId, _channel, ReloadLimit))
        {
            Add(message);
        }

        // A drain under way takes what was added. Re-arming now would dispose its timer, which cancels the
        // hand-offs in flight: a send the provider took was then retried as new (sent twice), and a batch
        // whose acceptance could no longer be recorded was lost from memory.
        if (!_draining)
        {
            await ScheduleAsync(TimeSpan.Zero);
        }
    }

    // In order of queueing: one-way enqueue calls may arrive out of order, and a conversation's messages
    // must leave in the order they were queued. New messages are nearly always the latest, so the scan
    // from the tail is short.
    private void Add(QueuedMessage message)
    {
        if (_known.Add(message.MessageId))
        {
            var before = _queue.Last;
            while (before is not null && before.Value.QueuedAt > message.QueuedAt)
            {
                before = before.Previous;
            }

            if (before is null)
            {
                _queue.AddFirst(message);
            }
            else
            {
                _queue.AddAfter(before, message);
            }
        }
        else if (message.TraceParent is not null && _queue.FirstOrDefault(m => m.MessageId == message.MessageId) is { TraceParent: null } loaded)
        {
            // Read from the log by this activation just before the call that queued it: keep the caller's trace.
            _queue.Find(loaded)!.Value = loaded with { TraceParent = message.TraceParent };
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
            while (_queue.Count > 0)
            {
                var tenant = await GetTenantAsync();
                var now = time.GetUtcNow();
                var rate = SendRates.PerSecond(tenant, _channel);
                if (_bucket is null || Math.Abs(_bucket.RatePerSecond - rate) > 1e-9)
                {
                    _bucket = new TokenBucket(rate, Math.Max(1, rate), now);
                }

                (var batch, wait) = await TakeBatchAsync(tenant, now);
                if (batch.Count == 0)
                {
                    break;
                }

                var (cleared, begun) = await CheckAndBeginAsync(tenant, batch, now, cancellationToken);
                foreach (var withdrawn in cleared.Where(m => !begun.Contains(m.MessageId)))
                {
                    _known.Remove(withdrawn.MessageId); // canceled by an opt-out after it was queued
                }

                var handedOff = cleared.Where(m => begun.Contains(m.MessageId)).ToArray();
                foreach (var message in handedOff)
                {
                    metrics.LeftQueue(_channel, now - message.QueuedAt);
                }

                var accepted = await Task.WhenAll(handedOff.Select(message => HandOffAsync(tenant, message, cancellationToken)));
                await AcceptedAsync(accepted.Where(a => a is not null).Select(a => a!.Value).ToArray(), handedOff);
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

    private async Task<(List<QueuedMessage> Batch, TimeSpan Wait)> TakeBatchAsync(TenantSettings tenant, DateTimeOffset now)
    {
        var batch = new List<QueuedMessage>();
        var conversationsInBatch = new HashSet<string>(StringComparer.Ordinal);
        var wait = IdleTick;
        var remainingToday = tenant.RateLimits.DailyMessageCap - await SentTodayAsync(now);
        for (var node = _queue.First; node is not null && batch.Count < MaxBatch;)
        {
            var next = node.Next;
            var message = node.Value;
            if (!conversationsInBatch.Add(message.LeadPhone))
            {
                node = next;
                continue; // an earlier message of this conversation goes first
            }

            if (_notBefore.TryGetValue(message.LeadPhone, out var notBefore) && notBefore > now)
            {
                wait = Min(wait, notBefore - now);
                node = next;
                continue;
            }

            if (remainingToday <= batch.Count)
            {
                LogDailyCapReached(logger, _tenantId, _channel.ToWireName(), tenant.RateLimits.DailyMessageCap);
                wait = IdleTick;
                break;
            }

            var cost = _channel == Channel.Sms ? SmsSegments.Count(message.Body ?? "").Segments : 1;
            var decision = _bucket!.TryTake(now, cost);
            if (!decision.Allowed)
            {
                wait = Min(wait, decision.RetryAfter);
                break;
            }

            batch.Add(message);
            _queue.Remove(node);
            node = next;
        }

        return (batch, wait);
    }

    // When the check or the start of the hand-off fails (a lead grain's silo just died), nothing of the batch
    // has left: it goes back to the head of the line in order. Dropped instead, it would wait unseen, since
    // its messages stay known and a reload of the log skips them.
    private async Task<(List<QueuedMessage> Cleared, IReadOnlySet<Guid> Begun)> CheckAndBeginAsync(
        TenantSettings tenant, List<QueuedMessage> batch, DateTimeOffset now, CancellationToken cancellationToken)
    {
        try
        {
            var cleared = await CheckAsync(tenant, batch, now, cancellationToken);
            return (cleared, await outbox.BeginHandOffAsync(cleared.Select(m => m.MessageId).ToArray(), cancellationToken));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            foreach (var message in Enumerable.Reverse(batch).Where(m => !_queue.Contains(m)))
            {
                _known.Add(message.MessageId);
                _queue.AddFirst(message);
            }

            throw;
        }
    }

    // The last check before a message leaves, against each lead as it is now: one grain call per lead
    // (a batch holds one message per conversation) and one query for the leads whose window matters.
    // Refused messages are suppressed for good; those caught by quiet hours wait in line.
    private async Task<List<QueuedMessage>> CheckAsync(TenantSettings tenant, List<QueuedMessage> batch, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        var leads = (await Task.WhenAll(batch.Select(m => GrainFactory.GetGrain<ILeadGrain>(GrainKeys.Lead(_tenantId, m.LeadPhone)).GetAsync())))
            .ToDictionary(lead => lead.Address, StringComparer.Ordinal);
        var needingWindow = batch.Where(m => HandOffPolicy.NeedsLastInbound(m.Template is not null, _channel, leads[m.LeadPhone])).Select(m => m.LeadPhone).ToArray();
        var lastInbound = needingWindow.Length == 0
            ? new Dictionary<string, DateTimeOffset>()
            : await conversationLog.LastInboundAtAsync(_tenantId, _channel, needingWindow, cancellationToken);

        var cleared = new List<QueuedMessage>(batch.Count);
        var suppressed = new List<(Guid, string)>();
        foreach (var message in batch)
        {
            var inbound = lastInbound.TryGetValue(message.LeadPhone, out var at) ? at : (DateTimeOffset?)null;
            var decision = HandOffPolicy.Decide(
                message.Purpose, message.Template is not null, _channel, leads[message.LeadPhone], inbound, tenant, now);
            switch (decision.Verdict)
            {
                case HandOffVerdict.Send:
                    cleared.Add(message);
                    break;
                case HandOffVerdict.Suppress:
                    suppressed.Add((message.MessageId, decision.Reason!));
                    _known.Remove(message.MessageId);
                    metrics.Suppressed(_channel, decision.Reason!);
                    LogSuppressed(logger, message.MessageId, decision.Reason!);
                    break;
                default:
                    Requeue(message, decision.NotBefore!.Value - now);
                    break;
            }
        }

        await outbox.RecordSuppressedAsync(suppressed, cancellationToken);
        metrics.HandOffChecked(_channel, Stopwatch.GetElapsedTime(started));
        return cleared;
    }

    // Returns the accepted hand-off (recorded for the whole batch at once), or null when it failed or waits again.
    // An unexpected failure puts the message back in line rather than losing it from the queue; it may have
    // come after the request left (a canceled drain), so the message is reconciled before it is sent again.
    private async Task<AcceptedHandOff?> HandOffAsync(TenantSettings tenant, QueuedMessage message, CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        try
        {
            return await TryHandOffAsync(tenant, message, startedAt, cancellationToken);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogTransient(logger, message.MessageId, e.Message);
            Requeue(message with { AttemptedAt = message.AttemptedAt ?? startedAt }, TransientBackoff);
            return null;
        }
    }

    private async Task<AcceptedHandOff?> TryHandOffAsync(TenantSettings tenant, QueuedMessage message, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        var client = providers.For(_channel);
        var request = new ProviderSendRequest(_tenantId, message.MessageId, _channel, message.LeadPhone, message.Body, message.Template, message.TraceParent);
        var provider = _channel == Channel.Sms ? Provider.Twilio : Provider.Meta;

        // A hand-off that began before (crash, timeout, 5xx) is checked with the provider before sending
        // again; a lookup that fails is tried again later, never read as "not sent".
        if (message.AttemptedAt is { } attemptedAt)
        {
            if (!client.CanConfirmSends)
            {
                await FailAsync(message, provider, "unknown_outcome", cancellationToken);
                return null;
            }

            var lookup = await client.FindSentAsync(tenant, request, attemptedAt, cancellationToken);
            switch (lookup.Verdict)
            {
                case SentVerdict.Sent:
                    return new AcceptedHandOff(message.MessageId, provider, lookup.ProviderMessageId!);
                case SentVerdict.Unanswered:
                    LogLookupFailed(logger, message.MessageId, lookup.Reason ?? "no answer");
                    RequeueUnknown(message, attemptedAt);
                    return null;
            }
        }

        // On the thread pool, not this activation: a batch's requests are built, sent and read in parallel.
        var outcome = await Task.Run(() => client.SendAsync(tenant, request, cancellationToken));
        switch (outcome.Kind)
        {
            case HandOff.Accepted:
                if (outcome.RecipientUserId is { } userId && LeadAddress.IsPhoneNumber(message.LeadPhone))
                {
                    _learnedUserIds.Add((message.LeadPhone, userId));
                }

                return new AcceptedHandOff(message.MessageId, provider, outcome.ProviderMessageId!);
            case HandOff.Permanent:
                await FailAsync(message, provider, outcome.ErrorCode ?? "permanent", cancellationToken);
                return null;
            case HandOff.Unknown when client.CanConfirmSends:
                // Reconciled from the first attempt on: any of them may be the one the provider kept.
                RequeueUnknown(message, message.AttemptedAt ?? startedAt);
                return null;
            case HandOff.Unknown:
                await FailAsync(message, provider, "unknown_outcome", cancellationToken);
                return null;
            default:
                LogTransient(logger, message.MessageId, outcome.ErrorCode ?? outcome.ErrorMessage ?? "transient");
                Requeue(message, TransientBackoff);
                return null;
        }
    }

    // An outage answers every attempt with a 5xx or a failed lookup: each waits twice as long as the last (1 s to 30 s).
    private void RequeueUnknown(QueuedMessage message, DateTimeOffset attemptedAt)
    {
        var attempts = message.Attempts + 1;
        var backoff = TimeSpan.FromSeconds(Math.Min(TransientBackoff.TotalSeconds, Math.Pow(2, Math.Min(attempts, 6) - 1)));
        Requeue(message with { AttemptedAt = attemptedAt, Attempts = attempts }, backoff);
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

    private async Task AcceptedAsync(AcceptedHandOff[] accepted, IReadOnlyList<QueuedMessage> batch)
    {
        await outbox.RecordAcceptedAsync(accepted, CancellationToken.None); // the provider has them: record it even if the drain is canceled
        await ApplyEarlyStatusesAsync(accepted, batch, CancellationToken.None);
        var now = time.GetUtcNow();
        var acceptedIds = accepted.Select(a => a.MessageId).ToHashSet();
        foreach (var message in batch.Where(m => acceptedIds.Contains(m.MessageId)))
        {
            _known.Remove(message.MessageId);
            if (_channel == Channel.WhatsApp)
            {
                _notBefore[message.LeadPhone] = now + SendRates.WhatsAppPairInterval;
            }
        }

        if (_dailyCount is { } count)
        {
            _dailyCount = count with { Sent = count.Sent + accepted.Length };
        }
    }

    // Statuses that arrived before the ids were recorded go to their conversations now; each is
    // discarded once applied, so one that fails here stays parked instead of being lost.
    private async Task ApplyEarlyStatusesAsync(AcceptedHandOff[] accepted, IReadOnlyList<QueuedMessage> batch, CancellationToken cancellationToken)
    {
        var parked = await earlyStatuses.FindAsync(_tenantId, accepted.Select(a => a.ProviderMessageId).ToArray(), cancellationToken);
        foreach (var report in parked)
        {
            var messageId = accepted.First(a => a.ProviderMessageId == report.ProviderMessageId).MessageId;
            var lead = batch.First(m => m.MessageId == messageId).LeadPhone;
            await GrainFactory.GetGrain<IConversationGrain>(GrainKeys.Conversation(_tenantId, lead, _channel)).ApplyStatusAsync(report);
            await earlyStatuses.DiscardAsync(_tenantId, report, cancellationToken);
        }
    }

    private async Task FailAsync(QueuedMessage message, Provider provider, string errorCode, CancellationToken cancellationToken)
    {
        await outbox.RecordFailedAsync(message.MessageId, provider, errorCode, cancellationToken);
        _known.Remove(message.MessageId);
        LogFailed(logger, message.MessageId, errorCode);
        if (ProviderErrors.IsOptOut(errorCode))
        {
            var tenant = await GetTenantAsync();
            await GrainFactory.GetGrain<ILeadGrain>(GrainKeys.Lead(_tenantId, message.LeadPhone)).RecordConsentAsync(ConsentChanges.ProviderOptOut(
                $"send/{message.MessageId}", provider, errorCode, message.MessageId.ToString(), _channel, tenant, time.GetUtcNow()));
        }
    }

    // Back at the head of its conversation's line, so the conversation keeps its order.
    private void Requeue(QueuedMessage message, TimeSpan delay)
    {
        _queue.AddFirst(message);
        if (delay > TimeSpan.Zero)
        {
            _notBefore[message.LeadPhone] = time.GetUtcNow() + delay;
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
            foreach (var message in await outbox.ReadAsync(_tenantId, _channel, ReloadLimit))
            {
                Add(message);
            }

            dueIn = TimeSpan.Zero;
        }

        if (_queue.Count == 0)
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

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    [LoggerMessage(EventId = 2205, EventName = "WhatsAppUserIdNotLinked", Level = LogLevel.Warning,
        Message = "Could not link {Count} WhatsApp user ids from send responses to their leads: {Reason}")]
    private static partial void LogUserIdNotLinked(ILogger logger, int count, string reason);

    [LoggerMessage(EventId = 2206, EventName = "SendLookupFailed", Level = LogLevel.Warning,
        Message = "Could not ask the provider whether it has message {MessageId} ({Reason}); it is asked again later, not sent")]
    private static partial void LogLookupFailed(ILogger logger, Guid messageId, string reason);

    [LoggerMessage(EventId = 2201, EventName = "SendTransientFailure", Level = LogLevel.Warning,
        Message = "Provider refused message {MessageId} for now ({Reason}); it waits and is retried")]
    private static partial void LogTransient(ILogger logger, Guid messageId, string reason);

    [LoggerMessage(EventId = 2202, EventName = "SendFailed", Level = LogLevel.Information,
        Message = "Message {MessageId} failed for good with {ErrorCode}")]
    private static partial void LogFailed(ILogger logger, Guid messageId, string errorCode);

    [LoggerMessage(EventId = 2204, EventName = "SendSuppressed", Level = LogLevel.Information,
        Message = "Message {MessageId} suppressed at hand-off: {Reason}")]
    private static partial void LogSuppressed(ILogger logger, Guid messageId, string reason);

    [LoggerMessage(EventId = 2203, EventName = "DailyCapReached", Level = LogLevel.Warning,
        Message = "Tenant {TenantId} reached its daily cap of {Cap} on {Channel}; the rest waits for tomorrow")]
    private static partial void LogDailyCapReached(ILogger logger, string tenantId, string channel, int cap);
}
