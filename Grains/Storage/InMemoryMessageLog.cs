using System.Collections.Concurrent;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Policies;

namespace Engine.Grains.Storage;

/// <summary>The message log of the embedded, single-process engine. Nothing survives a restart.</summary>
public sealed class InMemoryMessageLog : IMessageLog
{
    private readonly ConcurrentDictionary<Guid, MessageRecord> _byId = new();
    private readonly ConcurrentDictionary<(string, Provider, string), Guid> _byProviderId = new();
    private readonly Lock _gate = new();

    public Task<bool> TryAppendAsync(MessageRecord record, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_byId.ContainsKey(record.MessageId) ||
                (record.ProviderMessageId is { } providerId && _byProviderId.ContainsKey((record.TenantId, record.Provider, providerId))))
            {
                return Task.FromResult(false);
            }

            _byId[record.MessageId] = record;
            if (record.ProviderMessageId is { } id)
            {
                _byProviderId[(record.TenantId, record.Provider, id)] = record.MessageId;
            }

            return Task.FromResult(true);
        }
    }

    public Task<Guid?> AdvanceStatusAsync(
        string tenantId, Provider provider, string providerMessageId, DeliveryStatus status, string? errorCode,
        CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_byProviderId.TryGetValue((tenantId, provider, providerMessageId), out var messageId) ||
                !DeliveryStatusPolicy.CanAdvance(_byId[messageId].Status, status))
            {
                return Task.FromResult<Guid?>(null);
            }

            var current = _byId[messageId];
            _byId[messageId] = current with { Status = status, ErrorCode = errorCode ?? current.ErrorCode };
            return Task.FromResult<Guid?>(messageId);
        }
    }

    public Task<bool> AdvanceStatusByIdAsync(Guid messageId, DeliveryStatus status, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_byId.TryGetValue(messageId, out var current) || !DeliveryStatusPolicy.CanAdvance(current.Status, status))
            {
                return Task.FromResult(false);
            }

            _byId[messageId] = current with { Status = status };
            return Task.FromResult(true);
        }
    }

    public Task<DateTimeOffset?> LastInboundAtAsync(string tenantId, string leadPhone, Channel channel, CancellationToken cancellationToken = default) =>
        Task.FromResult(_byId.Values
            .Where(m => m.TenantId == tenantId && m.LeadPhone == leadPhone && m.Channel == channel && m.Direction == Direction.Inbound)
            .Select(m => (DateTimeOffset?)m.OccurredAt)
            .Max());

    public Task<IReadOnlyList<MessageRecord>> ReadConversationAsync(
        string tenantId, string leadPhone, Channel channel, DateTimeOffset? before, int limit,
        CancellationToken cancellationToken = default)
    {
        IReadOnlyList<MessageRecord> page = _byId.Values
            .Where(m => m.TenantId == tenantId && m.LeadPhone == leadPhone && m.Channel == channel)
            .Where(m => before is null || m.OccurredAt < before)
            .OrderByDescending(m => m.OccurredAt)
            .ThenBy(m => m.MessageId)
            .Take(limit)
            .ToArray();
        return Task.FromResult(page);
    }
}
