using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Automation;
using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Delivery;
using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Delivery;
using Engine.Grains.Policies;
using Engine.Grains.Storage;
using Engine.Grains.Storage.EarlyStatuses;
using Engine.Grains.Storage.Messages;
using Engine.Grains.Storage.SendRequests;
using Engine.Grains.Telemetry;
using Engine.Grains.Tenants;

namespace Engine.Grains.Conversations;

// Per-person grains (conversation, lead, automation, WhatsApp user) are placed on the silo of the call
// that activates them, so one person's grains end up together and call each other without a network hop.
[GrainType("conversation"), Orleans.Placement.PreferLocalPlacement]
internal sealed partial class ConversationGrain(
    IConversationLog conversationLog,
    ISendRequests sendRequests,
    IEarlyStatuses earlyStatuses,
    TenantCache tenants,
    TimeProvider time,
    EngineMetrics metrics,
    ILogger<ConversationGrain> logger) : Grain, IConversationGrain, IRemindable
{
    private const int RecentWindowSize = 20;

    private readonly RecentMessages _recent = new(RecentWindowSize);
    private string _tenantId = "";
    private string _phone = "";
    private Channel _channel;
    private DateTimeOffset? _lastInboundAt;
    private bool _historyLoaded;
    private LazyGrainState<ConversationState> _schedule = null!;

    private ILeadGrain Lead => GrainFactory.GetGrain<ILeadGrain>(GrainKeys.Lead(_tenantId, _phone));
    private IAutomationGrain Automation => GrainFactory.GetGrain<IAutomationGrain>(GrainKeys.Lead(_tenantId, _phone));

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_tenantId, _phone, _channel) = GrainKeys.ParseConversation(this.GetPrimaryKeyString());
        _schedule = new LazyGrainState<ConversationState>(ServiceProvider, this.GetGrainId(), "conversation");
        return Task.CompletedTask;
    }

    // The recent window and last inbound time come from the log, read the first time they are needed:
    // many activations only receive (a new lead's first message) or send to an opted-in lead, and never
    // need them. What this activation already did is merged with what the log holds.
    private async Task EnsureHistoryAsync()
    {
        if (_historyLoaded)
        {
            return;
        }

        var history = await conversationLog.ReadConversationAsync(_tenantId, _phone, _channel, after: null, RecentWindowSize);
        _recent.AddOlder(history);

        _lastInboundAt = Max(_lastInboundAt, history.FirstOrDefault(m => m.Direction == Direction.Inbound)?.OccurredAt);
        if (_lastInboundAt is null && history.Count == RecentWindowSize)
        {
            var last = await conversationLog.LastInboundAtAsync(_tenantId, _channel, [_phone]);
            _lastInboundAt = last.TryGetValue(_phone, out var at) ? at : null;
        }

        _historyLoaded = true;
    }

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    public async Task<InboundResult> ReceiveAsync(InboundMessage message)
    {
        var messageId = MessageIds.ForProviderMessage(_tenantId, message.Provider, message.ProviderMessageId);
        await Lead.UpsertAsync(new LeadProfilePatch(Name: message.ContactName, NameOnlyIfMissing: true, Identity: message.Identity));

        // Every effect below is keyed by the message id, so a retry after a failure half-way redoes
        // only what is missing; a plain duplicate changes nothing.
        var record = new MessageRecord(
            messageId, _tenantId, _phone, _channel, Direction.Inbound, message.Provider, message.ProviderMessageId,
            message.MessageType, message.Body, DeliveryStatus.Received, null, message.ReceivedAt, Media: message.Media);
        var isNew = await conversationLog.TryAppendAsync(record);
        if (isNew)
        {
            _recent.Add(record);
            if (_lastInboundAt is null || message.ReceivedAt > _lastInboundAt)
            {
                _lastInboundAt = message.ReceivedAt;
            }

            if (await tenants.HasPlaybooksAsync(_tenantId))
            {
                await Automation.InboundReceivedAsync(_channel, message.Body, message.ReceivedAt);
            }
        }

        var tenant = await GetTenantSettingsAsync();
        var match = KeywordParser.Parse(message.Body);
        var keyword = message.ProviderKeyword
            ?? (match.Kind == KeywordKind.None && match.IsRevocationPhrase && tenant.KeywordReplies.TreatRevocationPhrasesAsOptOut
                ? KeywordKind.OptOut
                : match.Kind);

        // A provider that recognised the keyword itself (Twilio Advanced Opt-Out) has already answered it.
        var answer = message.ProviderKeyword is null;
        var (handled, replies) = keyword switch
        {
            KeywordKind.OptOut => (true, await OptOutAsync(messageId, message, match, tenant, answer)),
            KeywordKind.OptIn => await OptInAsync(messageId, message, match, tenant, answer),
            KeywordKind.Help when answer => (true, await ReplyAsync(messageId, tenant.KeywordReplies.HelpReply, OutboundPurpose.HelpReply, "help")),
            _ => (keyword != KeywordKind.None, (IReadOnlyList<Guid>)[]),
        };

        return new InboundResult(
            isNew ? InboundOutcome.Accepted : InboundOutcome.Duplicate, messageId, handled ? keyword : KeywordKind.None, match.IsRevocationPhrase, replies);
    }

    public async Task<SendResult> SendAsync(OutboundRequest request)
    {
        var result = await SendCoreAsync(request, knownLead: null);
        if (request.Purpose == OutboundPurpose.Standard && result.Disposition != SendDisposition.Rejected && await tenants.HasPlaybooksAsync(_tenantId))
        {
            await Automation.OutboundSentAsync(_channel, time.GetUtcNow()); // may start no-reply follow-ups
        }

        return result;
    }

    // A playbook step's key is derived from its run and step, and so is the message id: a re-fired step
    // lands on the same log row. The idempotency table is not needed, and would cost two round trips.
    public Task<SendResult> SendAutomatedAsync(OutboundRequest request, LeadSnapshot lead) =>
        DecideAsync(request, MessageIds.ForDerivedMessage(_tenantId, $"{_phone}/{_channel.ToWireName()}/{request.IdempotencyKey}"), lead);

    private async Task<SendResult> SendCoreAsync(OutboundRequest request, LeadSnapshot? knownLead)
    {
        if (request.IdempotencyKey is not { } key)
        {
            return await DecideAsync(request, Guid.CreateVersion7(time.GetUtcNow()), knownLead);
        }

        // The first answer to a key is the answer: a retry, even after a failure half-way, gets it again.
        if (await sendRequests.FindAsync(_tenantId, key) is { } stored)
        {
            return (stored.LeadPhone, stored.Channel) == (_phone, _channel)
                ? stored.Result
                : Rejected(stored.Result.MessageId, RejectionCode.InvalidRequest, "this idempotency key was already used for another conversation");
        }

        var decided = await DecideAsync(request, MessageIds.ForDerivedMessage(_tenantId, $"{_phone}/{_channel.ToWireName()}/{key}"), knownLead);
        await sendRequests.RecordAsync(new StoredSend(_tenantId, key, _phone, _channel, decided));
        return decided;
    }

    private async Task<SendResult> DecideAsync(OutboundRequest request, Guid messageId, LeadSnapshot? knownLead)
    {
        // A retry of a send that was scheduled and then failed before its row was appended or its reminder
        // registered (the silo died, the reminder service's silo was down): finish that attempt, or the
        // message would wait forever.
        var schedule = await _schedule.GetAsync();
        if (schedule.Pending.FirstOrDefault(p => p.MessageId == messageId) is { } scheduled)
        {
            await conversationLog.TryAppendAsync(OutboundRecord(messageId, scheduled.Request, DeliveryStatus.Scheduled, time.GetUtcNow()));
            await EnsureReminderAsync();
            return new SendResult(messageId, SendDisposition.Scheduled, RejectionCode.None, null, scheduled.DueAt);
        }

        var tenant = await GetTenantSettingsAsync();
        var now = time.GetUtcNow();

        if (OutboundRequestPolicy.Refusal(request, tenant, _tenantId, _channel, _phone) is { } refusal)
        {
            return Rejected(messageId, refusal.Code, refusal.Reason);
        }

        var lead = knownLead ?? await Lead.GetAsync();
        if (!lead.Exists && lead.ConsentOn(_channel) != ConsentStatus.OptedOut) // an erased person's opt-out still refuses
        {
            return Rejected(messageId, RejectionCode.UnknownLead, $"lead {_phone} of tenant '{_tenantId}' does not exist (create it with LeadService.UpsertLead)");
        }

        if (lead.ConsentOn(_channel) != ConsentStatus.OptedIn || _channel == Channel.WhatsApp)
        {
            await EnsureHistoryAsync(); // whether the lead wrote in, and when, decides these cases
        }

        var consent = ConsentPolicy.Evaluate(lead.ConsentOn(_channel), request.Purpose, _lastInboundAt, now, tenant.Consent.ReplyWindow);
        if (!consent.Allowed)
        {
            return Rejected(messageId, consent.Rejection, consent.Reason);
        }

        if (_channel == Channel.WhatsApp && request.Template is null && !WhatsAppWindowPolicy.IsOpen(_lastInboundAt, request.SendAt ?? now))
        {
            return Rejected(messageId, RejectionCode.WhatsAppWindowClosed,
                "free-form WhatsApp messages may be sent only within 24 hours of the lead's last message; send a template instead");
        }

        var dueAt = HandOffPolicy.AllowedFrom(request.Purpose, request.SendAt is { } sendAt && sendAt > now ? sendAt : now, lead, tenant);
        if (dueAt > now)
        {
            // The schedule first, then the row: a retry after a failure between the two finds the schedule.
            schedule.Pending.Add(new PendingSend(messageId, request, dueAt));
            await WriteScheduleAsync();
            if (!await conversationLog.TryAppendAsync(OutboundRecord(messageId, request, DeliveryStatus.Scheduled, now)))
            {
                // Scheduled and released before (a re-fired playbook step): its row tells what became of it.
                schedule.Pending.RemoveAll(p => p.MessageId == messageId);
                await WriteScheduleAsync();
                return new SendResult(messageId, SendDisposition.Scheduled, RejectionCode.None, null, null);
            }

            await EnsureReminderAsync();
            return new SendResult(messageId, SendDisposition.Scheduled, RejectionCode.None, null, dueAt);
        }

        var record = OutboundRecord(messageId, request, DeliveryStatus.Queued, now);
        if (await conversationLog.TryAppendAsync(record))
        {
            _recent.Add(record);
            NotifySender(new QueuedMessage(messageId, _phone, request.Body, request.Template, now, Purpose: request.Purpose, Media: request.Media));
        }

        return new SendResult(messageId, SendDisposition.Queued, RejectionCode.None, null, null);
    }

    public async Task<SendResult> RequestOptInAsync(string? idempotencyKey)
    {
        var tenant = await GetTenantSettingsAsync();
        var current = (await Lead.GetAsync()).ConsentRecordOn(_channel);
        var requestKey = $"opt-in-request/{idempotencyKey ?? Guid.CreateVersion7(time.GetUtcNow()).ToString("N")}";
        var messageId = MessageIds.ForDerivedMessage(_tenantId, $"{_phone}/{_channel.ToWireName()}/{requestKey}");
        if (current?.Status == ConsentStatus.OptedIn)
        {
            return Rejected(messageId, RejectionCode.AlreadyOptedIn, "the lead is already opted in on this channel; no request was sent");
        }

        // Pending first, so a YES that races the request's delivery finds it.
        var pending = await Lead.RecordConsentAsync(new ConsentChange(
            requestKey, _channel, ConsentStatus.Pending, ConsentSource.Api, $"double opt-in requested with message {messageId}", time.GetUtcNow()));
        if (pending.Outcome == ConsentOutcome.Refused)
        {
            return Rejected(messageId, RejectionCode.OptedOut, pending.Reason);
        }

        return await SendCoreAsync(new OutboundRequest(requestKey, tenant.Consent.OptInRequestText, null, null, OutboundPurpose.OptInRequest), knownLead: null);
    }

    public async Task<StatusResult> ApplyStatusAsync(StatusReport report)
    {
        var messageId = await conversationLog.AdvanceStatusAsync(_tenantId, report);

        // A status that names only the provider's id can beat the sender's record of that id: park it for
        // the sender to apply, then look once more, since the sender may have recorded the id meanwhile
        // (before or after the park) without seeing the parked status.
        if (messageId is null && report.MessageId is null)
        {
            var parked = await earlyStatuses.ParkUnlessKnownAsync(_tenantId, report);
            messageId = await conversationLog.AdvanceStatusAsync(_tenantId, report);
            if (parked && messageId is not null)
            {
                await earlyStatuses.DiscardAsync(_tenantId, report);
            }
        }

        if (messageId is { } id)
        {
            _recent.UpdateStatus(id, report.Status);
        }

        if (ProviderErrors.IsOptOut(report.ErrorCode))
        {
            var tenant = await GetTenantSettingsAsync();
            await Lead.RecordConsentAsync(ConsentChanges.ProviderOptOut(
                $"status/{report.Provider.ToWireName()}/{report.ProviderMessageId}", report.Provider, report.ErrorCode!, report.ProviderMessageId,
                _channel, tenant, report.OccurredAt));
            return new StatusResult(messageId is not null, LeadOptedOut: true);
        }

        return new StatusResult(messageId is not null, LeadOptedOut: false);
    }

    public async Task<ConversationSnapshot> GetAsync()
    {
        await EnsureHistoryAsync();
        return new ConversationSnapshot(
            _tenantId, _phone, _channel, _lastInboundAt, _recent.LastOccurredAt, _recent.ToArray(), (await _schedule.GetAsync()).Pending.ToArray());
    }

    public async Task EraseAsync()
    {
        await _schedule.ClearAsync();
        await EnsureReminderAsync(); // with nothing pending: the timer stopped, the reminder unregistered
        DeactivateOnIdle(); // the recent window and last inbound time go with the activation
    }

    // The message is already durable as queued; if the one-way call is lost, the sender finds the row
    // when it next reads its queue from the log.
    private void NotifySender(QueuedMessage message) =>
        _ = GrainFactory.GetGrain<ISenderGrain>(GrainKeys.Sender(_tenantId, _channel)).EnqueueAsync(message with { TraceParent = EngineTelemetry.CurrentTraceParent() });

    private Task<TenantSettings> GetTenantSettingsAsync() => tenants.RequireSettingsAsync(_tenantId);

    private MessageRecord OutboundRecord(Guid messageId, OutboundRequest request, DeliveryStatus status, DateTimeOffset now) => new(
        messageId, _tenantId, _phone, _channel, Direction.Outbound, Provider.Engine, null,
        request.Template is not null ? "template" : request.Media is { Count: > 0 } ? "media" : "text",
        request.Body ?? (request.Template is { } template ? $"template:{template.Name}" : null),
        status, null, now, request.Template, request.Purpose, request.Media);

    private static SendResult Rejected(Guid messageId, RejectionCode code, string? reason) =>
        new(messageId, SendDisposition.Rejected, code, reason, null);
}
