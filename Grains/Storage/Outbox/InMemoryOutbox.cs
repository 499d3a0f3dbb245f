using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Delivery;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Policies;
using Engine.Grains.Storage.Messages;

namespace Engine.Grains.Storage.Outbox;

/// <summary>The outbox of the embedded, single-process engine: the queued rows of the shared message table.</summary>
public sealed class InMemoryOutbox(InMemoryMessageTable table) : IOutbox
{
    public Task<IReadOnlyList<QueuedMessage>> ReadAsync(string tenantId, Channel channel, int limit, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<QueuedMessage> items = table.Rows
            .Where(m => m.TenantId == tenantId && m.Channel == channel && m.Direction == Direction.Outbound && m.Status == DeliveryStatus.Queued)
            .OrderBy(m => m.OccurredAt).ThenBy(m => m.MessageId)
            .Take(limit)
            .Select(m => new QueuedMessage(m.MessageId, m.LeadPhone, m.Body, m.Template, m.OccurredAt, table.AttemptedAt(m.MessageId), Purpose: m.Purpose, Media: m.Media))
            .ToArray();
        return Task.FromResult(items);
    }

    public Task<IReadOnlyList<(string TenantId, Channel Channel)>> ListQueuedChannelsAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<(string, Channel)>>(table.Rows
            .Where(m => m.Direction == Direction.Outbound && m.Status == DeliveryStatus.Queued)
            .Select(m => (m.TenantId, m.Channel))
            .Distinct()
            .ToArray());

    public Task<IReadOnlySet<Guid>> BeginHandOffAsync(IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken = default)
    {
        var begun = new HashSet<Guid>();
        lock (table.Gate)
        {
            foreach (var id in messageIds)
            {
                if (table.TryGet(id, out var record) && record.Status == DeliveryStatus.Queued)
                {
                    table.MarkAttempted(id);
                    begun.Add(id);
                }
            }
        }

        return Task.FromResult<IReadOnlySet<Guid>>(begun);
    }

    public Task<IReadOnlySet<Guid>> RecordAcceptedAsync(IReadOnlyList<AcceptedHandOff> accepted, CancellationToken cancellationToken = default)
    {
        var refused = new HashSet<Guid>();
        lock (table.Gate)
        {
            foreach (var (messageId, provider, providerMessageId) in accepted)
            {
                if (!table.TryGet(messageId, out var current))
                {
                    continue;
                }

                if (table.TryFindByProviderId(current.TenantId, provider, providerMessageId, out var holder) && holder != messageId)
                {
                    refused.Add(messageId);
                    continue;
                }

                table.ClearAttempted(messageId);
                table.Put(current with
                {
                    Provider = provider,
                    ProviderMessageId = providerMessageId,
                    Status = DeliveryStatusPolicy.CanAdvance(current.Status, DeliveryStatus.Sending) ? DeliveryStatus.Sending : current.Status,
                });
            }
        }

        return Task.FromResult<IReadOnlySet<Guid>>(refused);
    }

    public Task<IReadOnlySet<string>> FindHeldAsync(
        string tenantId, Provider provider, IReadOnlyList<string> providerMessageIds, CancellationToken cancellationToken = default)
    {
        IReadOnlySet<string> held = providerMessageIds.Where(id => table.TryFindByProviderId(tenantId, provider, id, out _)).ToHashSet();
        return Task.FromResult(held);
    }

    public async Task RecordFailedAsync(Guid messageId, Provider provider, string errorCode, CancellationToken cancellationToken = default)
    {
        MessageRecord? failed = null;
        lock (table.Gate)
        {
            table.ClearAttempted(messageId);
            if (table.TryGet(messageId, out var current) && DeliveryStatusPolicy.CanAdvance(current.Status, DeliveryStatus.Failed))
            {
                failed = current with { Provider = provider, Status = DeliveryStatus.Failed, ErrorCode = errorCode };
                table.Put(failed);
            }
        }

        if (failed is not null)
        {
            await table.EmitStatusChangeAsync(failed, cancellationToken);
        }
    }

    public async Task RecordSuppressedAsync(IReadOnlyList<(Guid MessageId, string Reason)> suppressed, CancellationToken cancellationToken = default)
    {
        List<MessageRecord> moved = [];
        lock (table.Gate)
        {
            foreach (var (messageId, reason) in suppressed)
            {
                table.ClearAttempted(messageId);
                if (table.TryAdvance(messageId, DeliveryStatus.Suppressed, reason) is { } record)
                {
                    moved.Add(record);
                }
            }
        }

        foreach (var record in moved)
        {
            await table.EmitStatusChangeAsync(record, cancellationToken);
        }
    }

    public Task<int> CountSentSinceAsync(string tenantId, Channel channel, DateTimeOffset since, CancellationToken cancellationToken = default) =>
        Task.FromResult(table.Rows.Count(m => m.TenantId == tenantId && m.Channel == channel && m.Direction == Direction.Outbound
            && DeliveryStatusPolicy.RankOf(m.Status) >= DeliveryStatusPolicy.RankOf(DeliveryStatus.Sending)
            && !DeliveryStatusPolicy.IsWithdrawn(m.Status) && m.OccurredAt >= since));
}
