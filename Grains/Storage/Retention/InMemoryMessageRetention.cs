using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Storage.EarlyStatuses;
using Engine.Grains.Storage.Messages;
using Engine.Grains.Storage.SendRequests;
using Engine.Grains.Storage.Events;

namespace Engine.Grains.Storage.Retention;

/// <summary>Retention over the embedded engine's in-memory stores, with the PostgreSQL version's rules.</summary>
public sealed class InMemoryMessageRetention(
    InMemoryMessageTable table, InMemoryEventLog events, InMemorySendRequests sendRequests, InMemoryEarlyStatuses earlyStatuses) : IMessageRetention
{
    public Task<BodyPurge> BlankBodiesAsync(string tenantId, DateTimeOffset before, int batchSize, CancellationToken cancellationToken = default)
    {
        int messages;
        lock (table.Gate)
        {
            var doomed = Expired(tenantId, before).Where(m => m.Body is not null || m.Media is not null).Take(batchSize).ToArray();
            foreach (var message in doomed)
            {
                table.Put(message with { Body = null, Media = null });
            }

            messages = doomed.Length;
        }

        var (stripped, lastCursor) = events.StripBodies(tenantId, before, batchSize);
        return Task.FromResult(new BodyPurge(messages, stripped, lastCursor));
    }

    public Task<int> DeleteMessagesAsync(string tenantId, DateTimeOffset before, int batchSize, CancellationToken cancellationToken = default)
    {
        MessageRecord[] doomed;
        lock (table.Gate)
        {
            doomed = Expired(tenantId, before).Take(batchSize).ToArray();
            foreach (var message in doomed)
            {
                table.Remove(message);
            }
        }

        var related = sendRequests.Forget(tenantId, doomed.Select(m => m.MessageId).ToHashSet()) + earlyStatuses.Forget(tenantId, doomed, before);
        return Task.FromResult(doomed.Length + related);
    }

    private IEnumerable<MessageRecord> Expired(string tenantId, DateTimeOffset before) => table.Rows.Where(m =>
        m.TenantId == tenantId && m.OccurredAt < before && m.Status is not (DeliveryStatus.Queued or DeliveryStatus.Scheduled));
}
