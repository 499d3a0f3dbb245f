using System.Collections.Concurrent;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Events;
using Engine.Grains.Policies;
using Engine.Grains.Storage.Events;

namespace Engine.Grains.Storage.Messages;

/// <summary>
/// The message rows of the embedded, single-process engine, shared by the in-memory conversation log
/// and outbox as message_log is by their PostgreSQL versions. Nothing survives a restart.
/// </summary>
public sealed class InMemoryMessageTable(IEventLog events, TimeProvider time)
{
    private readonly ConcurrentDictionary<Guid, MessageRecord> _byId = new();
    private readonly ConcurrentDictionary<(string, Provider, string), Guid> _byProviderId = new();
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _attempted = new();

    /// <summary>Held for every read-modify-write of a row.</summary>
    public Lock Gate { get; } = new();

    public ICollection<MessageRecord> Rows => _byId.Values;

    public DateTimeOffset Now => time.GetUtcNow();

    public bool TryGet(Guid messageId, out MessageRecord record) => _byId.TryGetValue(messageId, out record!);

    public bool TryFindByProviderId(string tenantId, Provider provider, string providerMessageId, out Guid messageId) =>
        _byProviderId.TryGetValue((tenantId, provider, providerMessageId), out messageId);

    /// <summary>Inserts or replaces a row (call under <see cref="Gate"/>).</summary>
    public void Put(MessageRecord record)
    {
        _byId[record.MessageId] = record;
        if (record.ProviderMessageId is { } id)
        {
            _byProviderId[(record.TenantId, record.Provider, id)] = record.MessageId;
        }
    }

    /// <summary>Deletes a row (call under <see cref="Gate"/>).</summary>
    public void Remove(MessageRecord record)
    {
        _byId.TryRemove(record.MessageId, out _);
        _attempted.TryRemove(record.MessageId, out _);
        if (record.ProviderMessageId is { } id)
        {
            _byProviderId.TryRemove((record.TenantId, record.Provider, id), out _);
        }
    }

    /// <summary>Moves a row to <paramref name="status"/> if it ranks higher (call under <see cref="Gate"/>).</summary>
    public MessageRecord? TryAdvance(Guid messageId, DeliveryStatus status, string? errorCode)
    {
        if (!_byId.TryGetValue(messageId, out var current) || !DeliveryStatusPolicy.CanAdvance(current.Status, status))
        {
            return null;
        }

        var moved = current with { Status = status, ErrorCode = errorCode ?? current.ErrorCode };
        _byId[messageId] = moved;
        return moved;
    }

    /// <summary>Erasure: removes a lead's rows; returns them.</summary>
    public IReadOnlyList<MessageRecord> RemoveLead(string tenantId, string leadPhone)
    {
        lock (Gate)
        {
            var rows = _byId.Values.Where(r => r.TenantId == tenantId && r.LeadPhone == leadPhone).ToArray();
            foreach (var row in rows)
            {
                _byId.TryRemove(row.MessageId, out _);
                _attempted.TryRemove(row.MessageId, out _);
                if (row.ProviderMessageId is { } id)
                {
                    _byProviderId.TryRemove((row.TenantId, row.Provider, id), out _);
                }
            }

            return rows;
        }
    }

    public DateTimeOffset? AttemptedAt(Guid messageId) => _attempted.TryGetValue(messageId, out var at) ? at : null;

    public void MarkAttempted(Guid messageId) => _attempted[messageId] = Now;

    public void ClearAttempted(Guid messageId) => _attempted.TryRemove(messageId, out _);

    public async Task EmitStoredAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        if (EventJson.OfMessage(record) is { } draft)
        {
            await events.AppendAsync(draft, cancellationToken);
        }
    }

    public async Task EmitStatusChangeAsync(MessageRecord record, CancellationToken cancellationToken)
    {
        if (EventJson.OfStatusChange(record, Now) is { } draft)
        {
            await events.AppendAsync(draft, cancellationToken);
        }
    }
}
