using System.Collections.Concurrent;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Delivery;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Events;
using Engine.Grains.Policies;

namespace Engine.Grains.Storage;

/// <summary>The message log of the embedded, single-process engine. Nothing survives a restart.</summary>
public sealed class InMemoryMessageLog(IEventLog events) : IMessageLog
{
    private readonly ConcurrentDictionary<Guid, MessageRecord> _byId = new();
    private readonly ConcurrentDictionary<(string, Provider, string), Guid> _byProviderId = new();
    private readonly ConcurrentDictionary<(string, string), StoredSend> _sends = new();
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _attempted = new();
    private readonly Lock _gate = new();

    public async Task<bool> TryAppendAsync(MessageRecord record, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_byId.ContainsKey(record.MessageId) ||
                (record.ProviderMessageId is { } providerId && _byProviderId.ContainsKey((record.TenantId, record.Provider, providerId))))
            {
                return false;
            }

            _byId[record.MessageId] = record;
            if (record.ProviderMessageId is { } id)
            {
                _byProviderId[(record.TenantId, record.Provider, id)] = record.MessageId;
            }
        }

        await EmitAsync(record, cancellationToken);
        return true;
    }

    private async Task EmitAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        if (EventJson.OfMessage(record) is { } draft)
        {
            await events.AppendAsync(draft, cancellationToken);
        }
    }

    public async Task<Guid?> AdvanceStatusAsync(
        string tenantId, Provider provider, string providerMessageId, DeliveryStatus status, string? errorCode,
        CancellationToken cancellationToken = default)
    {
        MessageRecord moved;
        lock (_gate)
        {
            if (!_byProviderId.TryGetValue((tenantId, provider, providerMessageId), out var messageId) ||
                !DeliveryStatusPolicy.CanAdvance(_byId[messageId].Status, status))
            {
                return null;
            }

            var current = _byId[messageId];
            moved = current with { Status = status, ErrorCode = errorCode ?? current.ErrorCode };
            _byId[messageId] = moved;
        }

        await EmitAsync(moved, cancellationToken);
        return moved.MessageId;
    }

    public Task<IReadOnlyList<QueuedMessage>> ReadOutboxAsync(string tenantId, Channel channel, int limit, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<QueuedMessage> items = _byId.Values
            .Where(m => m.TenantId == tenantId && m.Channel == channel && m.Direction == Direction.Outbound && m.Status == DeliveryStatus.Queued)
            .OrderBy(m => m.OccurredAt).ThenBy(m => m.MessageId)
            .Take(limit)
            .Select(m => new QueuedMessage(m.MessageId, m.LeadPhone, m.Body, m.Template, m.OccurredAt, _attempted.GetValueOrDefault(m.MessageId)))
            .ToArray();
        return Task.FromResult(items);
    }

    public Task<IReadOnlyList<(string TenantId, Channel Channel)>> ListQueuedChannelsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<(string, Channel)>>(_byId.Values
            .Where(m => m.Direction == Direction.Outbound && m.Status == DeliveryStatus.Queued)
            .Select(m => (m.TenantId, m.Channel))
            .Distinct()
            .ToArray());

    public Task MarkAttemptedAsync(IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken = default)
    {
        foreach (var id in messageIds)
        {
            _attempted[id] = DateTimeOffset.UtcNow;
        }

        return Task.CompletedTask;
    }

    public Task RecordAcceptedAsync(IReadOnlyList<AcceptedHandOff> accepted, CancellationToken cancellationToken = default)
    {
        foreach (var (messageId, provider, providerMessageId) in accepted)
        {
            Accept(messageId, provider, providerMessageId);
        }

        return Task.CompletedTask;
    }

    private void Accept(Guid messageId, Provider provider, string providerMessageId)
    {
        lock (_gate)
        {
            _attempted.TryRemove(messageId, out _);
            var current = _byId[messageId];
            _byId[messageId] = current with
            {
                Provider = provider,
                ProviderMessageId = providerMessageId,
                Status = DeliveryStatusPolicy.CanAdvance(current.Status, DeliveryStatus.Sending) ? DeliveryStatus.Sending : current.Status,
            };
            _byProviderId[(current.TenantId, provider, providerMessageId)] = messageId;
        }
    }

    public async Task RecordFailedAsync(Guid messageId, Provider provider, string errorCode, CancellationToken cancellationToken = default)
    {
        MessageRecord? failed = null;
        lock (_gate)
        {
            _attempted.TryRemove(messageId, out _);
            var current = _byId[messageId];
            if (DeliveryStatusPolicy.CanAdvance(current.Status, DeliveryStatus.Failed))
            {
                failed = current with { Provider = provider, Status = DeliveryStatus.Failed, ErrorCode = errorCode };
                _byId[messageId] = failed;
            }
        }

        if (failed is not null)
        {
            await EmitAsync(failed, cancellationToken);
        }
    }

    public Task<int> CountSentSinceAsync(string tenantId, Channel channel, DateTimeOffset since, CancellationToken cancellationToken = default) =>
        Task.FromResult(_byId.Values.Count(m => m.TenantId == tenantId && m.Channel == channel && m.Direction == Direction.Outbound
            && DeliveryStatusPolicy.RankOf(m.Status) >= DeliveryStatusPolicy.RankOf(DeliveryStatus.Sending) && m.OccurredAt >= since));

    public async Task<bool> AdvanceStatusByIdAsync(Guid messageId, DeliveryStatus status, CancellationToken cancellationToken = default)
    {
        MessageRecord moved;
        lock (_gate)
        {
            if (!_byId.TryGetValue(messageId, out var current) || !DeliveryStatusPolicy.CanAdvance(current.Status, status))
            {
                return false;
            }

            moved = current with { Status = status };
            _byId[messageId] = moved;
        }

        await EmitAsync(moved, cancellationToken);
        return true;
    }

    public Task<DateTimeOffset?> LastInboundAtAsync(string tenantId, string leadPhone, Channel channel, CancellationToken cancellationToken = default) =>
        Task.FromResult(_byId.Values
            .Where(m => m.TenantId == tenantId && m.LeadPhone == leadPhone && m.Channel == channel && m.Direction == Direction.Inbound)
            .Select(m => (DateTimeOffset?)m.OccurredAt)
            .Max());

    public Task<IReadOnlyList<MessageRecord>> ReadConversationAsync(
        string tenantId, string leadPhone, Channel channel, MessageCursor? after, int limit,
        CancellationToken cancellationToken = default)
    {
        IReadOnlyList<MessageRecord> page = _byId.Values
            .Where(m => m.TenantId == tenantId && m.LeadPhone == leadPhone && m.Channel == channel)
            .OrderByDescending(m => m.OccurredAt)
            .ThenByDescending(m => m.MessageId)
            .SkipWhile(m => after is { } cursor && (m.OccurredAt, m.MessageId).CompareTo((cursor.OccurredAt, cursor.MessageId)) >= 0)
            .Take(limit)
            .ToArray();
        return Task.FromResult(page);
    }

    public Task<IReadOnlyList<ConversationActivity>> ListConversationsAsync(
        string tenantId, ConversationCursor? after, int limit, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<ConversationActivity> page = _byId.Values
            .Where(m => m.TenantId == tenantId)
            .GroupBy(m => (m.LeadPhone, m.Channel))
            .Select(g => new ConversationActivity(g.Key.LeadPhone, g.Key.Channel, g.Max(m => m.OccurredAt), g.LongCount()))
            .OrderByDescending(c => c.LastActivityAt)
            .ThenByDescending(c => c.LeadPhone, StringComparer.Ordinal)
            .ThenByDescending(c => c.Channel.ToWireName(), StringComparer.Ordinal)
            .SkipWhile(c => after is { } cursor && (c.LastActivityAt, c.LeadPhone, c.Channel) != (cursor.LastActivityAt, cursor.LeadPhone, cursor.Channel))
            .Skip(after is null ? 0 : 1)
            .Take(limit)
            .ToArray();
        return Task.FromResult(page);
    }

    public Task<StoredSend?> FindSendAsync(string tenantId, string idempotencyKey, CancellationToken cancellationToken = default) =>
        Task.FromResult(_sends.GetValueOrDefault((tenantId, idempotencyKey)));

    public Task RecordSendAsync(StoredSend send, CancellationToken cancellationToken = default)
    {
        _sends.TryAdd((send.TenantId, send.IdempotencyKey), send);
        return Task.CompletedTask;
    }
}
