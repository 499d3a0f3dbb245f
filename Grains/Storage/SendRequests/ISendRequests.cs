namespace Engine.Grains.Storage.SendRequests;

/// <summary>The first answer to every send request that carried an idempotency key.</summary>
public interface ISendRequests
{
    /// <summary>The stored first answer for an idempotency key, or null.</summary>
    Task<StoredSend?> FindAsync(string tenantId, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>Stores the answer for an idempotency key unless one is stored already (the first wins).</summary>
    Task RecordAsync(StoredSend send, CancellationToken cancellationToken = default);
}
