using System.Collections.Concurrent;

namespace Engine.Grains.Storage.SendRequests;

/// <summary>Idempotency records of the embedded, single-process engine.</summary>
public sealed class InMemorySendRequests : ISendRequests
{
    private readonly ConcurrentDictionary<(string, string), StoredSend> _sends = new();

    public Task<StoredSend?> FindAsync(string tenantId, string idempotencyKey, CancellationToken cancellationToken = default) =>
        Task.FromResult(_sends.GetValueOrDefault((tenantId, idempotencyKey)));

    public Task RecordAsync(StoredSend send, CancellationToken cancellationToken = default)
    {
        _sends.TryAdd((send.TenantId, send.IdempotencyKey), send);
        return Task.CompletedTask;
    }
}
