using System.Collections.Concurrent;

namespace Engine.Grains.Storage.SendRequests;

/// <summary>Idempotency records of the embedded, single-process engine.</summary>
public sealed class InMemorySendRequests : ISendRequests
{
    private readonly ConcurrentDictionary<(string, string), StoredSend> _sends = new();

    public Task<StoredSend?> FindAsync(string tenantId, string idempotencyKey, CancellationToken cancellationToken = default) =>
        Task.FromResult(_sends.GetValueOrDefault((tenantId, idempotencyKey)));

    /// <summary>Forgets the tenant's answers about <paramref name="messageIds"/>; returns how many.</summary>
    internal int Forget(string tenantId, IReadOnlySet<Guid> messageIds) =>
        _sends.Where(s => s.Key.Item1 == tenantId && messageIds.Contains(s.Value.Result.MessageId)).Count(s => _sends.TryRemove(s.Key, out _));

    /// <summary>Erasure: removes a lead's answers; returns how many.</summary>
    public int RemoveLead(string tenantId, string leadPhone) =>
        _sends.Where(s => s.Key.Item1 == tenantId && s.Value.LeadPhone == leadPhone).Count(s => _sends.TryRemove(s.Key, out _));

    public Task RecordAsync(StoredSend send, CancellationToken cancellationToken = default)
    {
        _sends.TryAdd((send.TenantId, send.IdempotencyKey), send);
        return Task.CompletedTask;
    }
}
