using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Automation;
using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Delivery;
using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Hosting;
using Engine.Grains.Policies;
using Engine.Grains.Storage;

namespace Engine.Grains.Conversations;

[GrainType("conversation")]
internal sealed partial class ConversationGrain(
    [PersistentState("conversation", EngineHostingExtensions.StorageName)] IPersistentState<ConversationState> state,
    IMessageLog messageLog,
    TimeProvider time,
    ILogger<ConversationGrain> logger) : Grain, IConversationGrain, IRemindable
{
    private const int RecentWindowSize = 20;
    private const int MaxSmsBodyLength = 1600;
    private const int MaxWhatsAppBodyLength = 4096;
    private const string PendingSendsReminder = "pending-sends";
    private static readonly TimeSpan TenantCacheLifetime = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);

    private readonly List<MessageSummary> _recent = [];
    private string _tenantId = "";
    private string _phone = "";
    private Channel _channel;
    private DateTimeOffset? _lastInboundAt;
    private bool _historyLoaded;
    private (TenantSnapshot Tenant, DateTimeOffset FetchedAt)? _tenantCache;

    private ILeadGrain Lead => GrainFactory.GetGrain<ILeadGrain>(GrainKeys.Lead(_tenantId, _phone));
    private IAutomationGrain Automation => GrainFactory.GetGrain<IAutomationGrain>(GrainKeys.Lead(_tenantId, _phone));

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_tenantId, _phone, _channel) = GrainKeys.ParseConversation(this.GetPrimaryKeyString());
        return Task.CompletedTask;
    }

    // The recent window and last inbound time come from the log, read the first time they are needed:
    // many activations only send (a follow-up to an opted-in lead) and never need them.
    private async Task EnsureHistoryAsync()
    {
        if (_historyLoaded)
        {
            return;
        }

        var history = await messageLog.ReadConversationAsync(_tenantId, _phone, _channel, after: null, RecentWindowSize);
        _recent.InsertRange(0, history.Reverse().Where(m => !_recent.Any(r => r.MessageId == m.MessageId)).Select(ToSummary));
        _lastInboundAt = Max(_lastInboundAt, history.FirstOrDefault(m => m.Direction == Direction.Inbound)?.OccurredAt);
        if (_lastInboundAt is null && history.Count == RecentWindowSize)
        {
            _lastInboundAt = await messageLog.LastInboundAtAsync(_tenantId, _phone, _channel);
        }

        _historyLoaded = true;
    }

    private static DateTimeOffset? Max(DateTimeOffset? a, DateTimeOffset? b) => a is null ? b : b is null ? a : a > b ? a : b;

    public async Task<InboundResult> ReceiveAsync(InboundMessage message)
    {
        await EnsureHistoryAsync();
        var messageId = MessageIds.ForProviderMessage(_tenantId, message.Provider, message.ProviderMessageId);
        await Lead.UpsertAsync(new LeadProfilePatch(Name: message.ContactName, NameOnlyIfMissing: true));

        // Every effect below is keyed by the message id, so a retry after a failure half-way redoes
        // only what is missing; a plain duplicate changes nothing.
        var record = new MessageRecord(
            messageId, _tenantId, _phone, _channel, Direction.Inbound, message.Provider, message.ProviderMessageId,
            message.MessageType, message.Body, DeliveryStatus.Received, null, message.ReceivedAt);
        var isNew = await messageLog.TryAppendAsync(record);
        if (isNew)
        {
            Remember(record);
            if (_lastInboundAt is null || message.ReceivedAt > _lastInboundAt)
            {
                _lastInboundAt = message.ReceivedAt;
            }

            await Automation.InboundReceivedAsync(_channel, message.Body, message.ReceivedAt);
        }

        var tenant = await GetTenantSettingsAsync();
        var match = KeywordParser.Parse(message.Body);
        var keyword = match.Kind == KeywordKind.None && match.IsRevocationPhrase && tenant.KeywordReplies.TreatRevocationPhrasesAsOptOut
            ? KeywordKind.OptOut
            : match.Kind;
        var replies = keyword switch
        {
            KeywordKind.OptOut => await OptOutAsync(messageId, message, match, tenant),
            KeywordKind.OptIn => await OptInAsync(messageId, message, tenant),
            KeywordKind.Help => await ReplyAsync(messageId, tenant.KeywordReplies.HelpReply, OutboundPurpose.HelpReply, "help"),
            _ => [],
        };

        return new InboundResult(isNew ? InboundOutcome.Accepted : InboundOutcome.Duplicate, messageId, keyword, match.IsRevocationPhrase, replies);
    }

    public async Task<SendResult> SendAsync(OutboundRequest request)
    {
        var result = await SendCoreAsync(request, knownLead: null);
        if (request.Purpose == OutboundPurpose.Standard && result.Disposition != SendDisposition.Rejected)
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
        if (await messageLog.FindSendAsync(_tenantId, key) is { } stored)
        {
            return (stored.LeadPhone, stored.Channel) == (_phone, _channel)
                ? stored.Result
                : Rejected(stored.Result.MessageId, RejectionCode.InvalidRequest, "this idempotency key was already used for another conversation");
        }

        var decided = await DecideAsync(request, MessageIds.ForDerivedMessage(_tenantId, $"{_phone}/{_channel.ToWireName()}/{key}"), knownLead);
        await messageLog.RecordSendAsync(new StoredSend(_tenantId, key, _phone, _channel, decided));
        return decided;
    }

    private async Task<SendResult> DecideAsync(OutboundRequest request, Guid messageId, LeadSnapshot? knownLead)
    {
        var tenant = await GetTenantSettingsAsync();
        var now = time.GetUtcNow();

        if (Validate(request, tenant) is { } invalid)
        {
            return Rejected(messageId, invalid.Code, invalid.Reason);
        }

        var lead = knownLead ?? await Lead.GetAsync();
        if (!lead.Exists)
        {
            return Rejected(messageId, RejectionCode.UnknownLead, $"lead {_phone} of tenant '{_tenantId}' does not exist (create it with LeadService.UpsertLead)");
        }

        if (lead.ConsentOn(_channel) != ConsentStatus.OptedIn || _channel == Channel.WhatsApp)
        {
            await EnsureHistoryAsync(); // whether the lead wrote in, and when, decides these cases
        }

        var consent = ConsentPolicy.Evaluate(lead.ConsentOn(_channel), request.Purpose, _lastInboundAt is not null);
        if (!consent.Allowed)
        {
            return Rejected(messageId, consent.Rejection, consent.Reason);
        }

        if (_channel == Channel.WhatsApp && request.Template is null && !WhatsAppWindowPolicy.IsOpen(_lastInboundAt, request.SendAt ?? now))
        {
            return Rejected(messageId, RejectionCode.WhatsAppWindowClosed,
                "free-form WhatsApp messages may be sent only within 24 hours of the lead's last message; send a template instead");
        }

        var dueAt = DueAt(request, lead, tenant, now);
        if (dueAt > now)
        {
            if (!await messageLog.TryAppendAsync(OutboundRecord(messageId, request, DeliveryStatus.Scheduled, now)))
            {
                return new SendResult(messageId, SendDisposition.Scheduled, RejectionCode.None, null, state.State.Pending.FirstOrDefault(p => p.MessageId == messageId)?.DueAt);
            }

            state.State.Pending.Add(new PendingSend(messageId, request, dueAt));
            await state.WriteStateAsync();
            await EnsureReminderAsync();
            return new SendResult(messageId, SendDisposition.Scheduled, RejectionCode.None, null, dueAt);
        }

        var record = OutboundRecord(messageId, request, DeliveryStatus.Queued, now);
        if (await messageLog.TryAppendAsync(record))
        {
            Remember(record);
            await NotifySenderAsync(new QueuedMessage(messageId, _phone, request.Body, request.Template, now));
        }

        return new SendResult(messageId, SendDisposition.Queued, RejectionCode.None, null, null);
    }

    public async Task<StatusResult> ApplyStatusAsync(StatusReport report)
    {
        var messageId = await messageLog.AdvanceStatusAsync(_tenantId, report.Provider, report.ProviderMessageId, report.Status, report.ErrorCode);
        if (messageId is { } id)
        {
            var index = _recent.FindIndex(m => m.MessageId == id);
            if (index >= 0)
            {
                _recent[index] = _recent[index] with { Status = report.Status };
            }
        }

        // The provider says the person unsubscribed (Twilio 21610, WhatsApp 131050): a hard suppression.
        if (report.ErrorCode is "21610" or "131050")
        {
            var tenant = await GetTenantSettingsAsync();
            await Lead.RecordConsentAsync(new ConsentChange(
                $"status/{report.Provider.ToWireName()}/{report.ProviderMessageId}/{report.ErrorCode}",
                tenant.KeywordReplies.OptOutScope == OptOutScope.AllChannels ? null : _channel,
                ConsentStatus.OptedOut, ConsentSource.ProviderError,
                $"{report.Provider.ToWireName()} error {report.ErrorCode} on message {report.ProviderMessageId}",
                report.OccurredAt));
            return new StatusResult(messageId is not null, LeadOptedOut: true);
        }

        return new StatusResult(messageId is not null, LeadOptedOut: false);
    }

    public async Task<ConversationSnapshot> GetAsync()
    {
        await EnsureHistoryAsync();
        return new ConversationSnapshot(
            _tenantId, _phone, _channel, _lastInboundAt, _recent.LastOrDefault()?.OccurredAt, _recent.ToArray(), state.State.Pending.ToArray());
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != PendingSendsReminder)
        {
            return;
        }

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
        var consent = ConsentPolicy.Evaluate(lead.ConsentOn(_channel), pending.Request.Purpose, _lastInboundAt is not null);
        var windowClosed = _channel == Channel.WhatsApp && pending.Request.Template is null && !WhatsAppWindowPolicy.IsOpen(_lastInboundAt, now);
        var nextAllowed = DueAt(pending.Request with { SendAt = null }, lead, tenant, now);

        if (consent.Allowed && !windowClosed && nextAllowed > now)
        {
            state.State.Pending[state.State.Pending.IndexOf(pending)] = pending with { DueAt = nextAllowed };
            await state.WriteStateAsync();
            return;
        }

        var status = consent.Allowed && !windowClosed ? DeliveryStatus.Queued : DeliveryStatus.Canceled;
        await messageLog.AdvanceStatusByIdAsync(pending.MessageId, status);
        if (status == DeliveryStatus.Canceled)
        {
            LogScheduledSendCanceled(logger, pending.MessageId, consent.Reason ?? "WhatsApp window closed");
        }
        else
        {
            await NotifySenderAsync(new QueuedMessage(pending.MessageId, _phone, pending.Request.Body, pending.Request.Template, now));
        }

        state.State.Pending.Remove(pending);
        await state.WriteStateAsync();
    }

    // The message is already durable as queued; if the sender cannot be told now, it finds the row
    // when it next loads its queue from the log.
    private async Task NotifySenderAsync(QueuedMessage message)
    {
        try
        {
            await GrainFactory.GetGrain<ISenderGrain>($"{_tenantId}/{_channel.ToWireName()}").EnqueueAsync(message);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogSenderUnreachable(logger, message.MessageId, e.Message);
        }
    }

    private async Task EnsureReminderAsync()
    {
        if (state.State.Pending.Count == 0)
        {
            if (await this.GetReminder(PendingSendsReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            return;
        }

        var dueIn = state.State.Pending.Min(p => p.DueAt) - time.GetUtcNow();
        await this.RegisterOrUpdateReminder(PendingSendsReminder, dueIn > TimeSpan.Zero ? dueIn : TimeSpan.Zero, ReminderPeriod);
    }

    private async Task<IReadOnlyList<Guid>> OptOutAsync(Guid messageId, InboundMessage message, KeywordMatch match, TenantSettings tenant)
    {
        var before = (await Lead.GetAsync()).ConsentOn(_channel);
        await Lead.RecordConsentAsync(new ConsentChange(
            $"inbound/{messageId}",
            tenant.KeywordReplies.OptOutScope == OptOutScope.AllChannels ? null : _channel,
            ConsentStatus.OptedOut, ConsentSource.Keyword,
            Evidence(messageId, message, match.Keyword ?? "revocation phrase"),
            message.ReceivedAt));

        // Someone already opted out gets no second confirmation: only the single STOP reply is allowed.
        return before == ConsentStatus.OptedOut
            ? []
            : await ReplyAsync(messageId, tenant.KeywordReplies.StopConfirmation, OutboundPurpose.OptOutConfirmation, "stop");
    }

    private async Task<IReadOnlyList<Guid>> OptInAsync(Guid messageId, InboundMessage message, TenantSettings tenant)
    {
        var before = (await Lead.GetAsync()).ConsentOn(_channel);
        if (before == ConsentStatus.OptedIn)
        {
            return []; // a "YES" in an ongoing conversation is not a new subscription
        }

        await Lead.RecordConsentAsync(new ConsentChange(
            $"inbound/{messageId}", _channel, ConsentStatus.OptedIn, ConsentSource.Keyword,
            Evidence(messageId, message, KeywordParser.Parse(message.Body).Keyword ?? "START"), message.ReceivedAt));
        return await ReplyAsync(messageId, tenant.KeywordReplies.StartConfirmation, OutboundPurpose.OptInConfirmation, "start");
    }

    private async Task<IReadOnlyList<Guid>> ReplyAsync(Guid inboundId, string body, OutboundPurpose purpose, string kind)
    {
        var result = await SendAsync(new OutboundRequest($"{kind}-reply/{inboundId}", body, null, null, purpose));
        return result.Disposition == SendDisposition.Rejected ? [] : [result.MessageId];
    }

    private static DateTimeOffset DueAt(OutboundRequest request, LeadSnapshot lead, TenantSettings tenant, DateTimeOffset now)
    {
        var earliest = request.SendAt is { } sendAt && sendAt > now ? sendAt : now;
        if (request.Purpose != OutboundPurpose.Standard)
        {
            return earliest; // replies to the lead's own keyword go out at once, whatever the hour
        }

        var zones = QuietHoursPolicy.ResolveZones(lead.TimeZones.Count > 0 ? lead.TimeZones : [tenant.DefaultTimeZone]);
        return new QuietHoursPolicy(tenant.QuietHours).NextAllowedInstant(earliest, zones);
    }

    private (RejectionCode Code, string Reason)? Validate(OutboundRequest request, TenantSettings tenant)
    {
        var channelConfigured = _channel == Channel.Sms ? tenant.Sms is not null : tenant.WhatsApp is not null;
        if (!channelConfigured)
        {
            return (RejectionCode.ChannelNotConfigured, $"tenant '{_tenantId}' has no {_channel.ToWireName()} channel configured");
        }

        if (request.Template is not null && _channel != Channel.WhatsApp)
        {
            return (RejectionCode.InvalidRequest, "templates can be sent only on WhatsApp");
        }

        if (request.Template is null && string.IsNullOrWhiteSpace(request.Body))
        {
            return (RejectionCode.InvalidRequest, "a message needs a body or a template");
        }

        var limit = _channel == Channel.Sms ? MaxSmsBodyLength : MaxWhatsAppBodyLength;
        return request.Body is { Length: var length } && length > limit
            ? (RejectionCode.InvalidRequest, $"the body has {length} characters; {_channel.ToWireName()} allows at most {limit}")
            : null;
    }

    private async Task<TenantSettings> GetTenantSettingsAsync()
    {
        var now = time.GetUtcNow();
        if (_tenantCache is not { } cached || now - cached.FetchedAt > TenantCacheLifetime)
        {
            var tenant = await GrainFactory.GetGrain<ITenantGrain>(_tenantId).GetAsync();
            _tenantCache = (tenant, now);
        }

        return _tenantCache.Value.Tenant.Settings
            ?? throw new InvalidOperationException($"Tenant '{_tenantId}' does not exist.");
    }

    private MessageRecord OutboundRecord(Guid messageId, OutboundRequest request, DeliveryStatus status, DateTimeOffset now) => new(
        messageId, _tenantId, _phone, _channel, Direction.Outbound, Provider.Engine, null,
        request.Template is null ? "text" : "template",
        request.Body ?? $"template:{request.Template!.Name}",
        status, null, now, request.Template);

    private void Remember(MessageRecord record)
    {
        _recent.Add(ToSummary(record));
        if (_recent.Count > RecentWindowSize)
        {
            _recent.RemoveAt(0);
        }
    }

    private static SendResult Rejected(Guid messageId, RejectionCode code, string? reason) =>
        new(messageId, SendDisposition.Rejected, code, reason, null);

    private static MessageSummary ToSummary(MessageRecord record) =>
        new(record.MessageId, record.Direction, record.MessageType, record.Body, record.Status, record.OccurredAt);

    private static string Evidence(Guid messageId, InboundMessage message, string keyword) =>
        $"inbound {message.Provider.ToWireName()} message {message.ProviderMessageId} ({messageId}): {keyword}";

    [LoggerMessage(EventId = 2102, EventName = "SenderUnreachable", Level = LogLevel.Warning,
        Message = "Queued message {MessageId} could not be handed to its sender now ({Reason}); it waits in the log")]
    private static partial void LogSenderUnreachable(ILogger logger, Guid messageId, string reason);

    [LoggerMessage(EventId = 2101, EventName = "ScheduledSendCanceled", Level = LogLevel.Information,
        Message = "Scheduled message {MessageId} canceled at release: {Reason}")]
    private static partial void LogScheduledSendCanceled(ILogger logger, Guid messageId, string reason);
}
