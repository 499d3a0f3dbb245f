namespace Engine.Grains.Storage.RejectedWebhooks;

/// <summary>Webhook items the gateway acknowledged but could not use, for an operator to look at.</summary>
public interface IRejectedWebhookLog
{
    /// <summary>Records the items whose id is not stored yet; the first recording of an id wins.</summary>
    Task RecordAsync(IReadOnlyList<RejectedWebhook> items, CancellationToken cancellationToken = default);

    /// <summary>A tenant's rejected items, newest first, after <paramref name="after"/> when given.</summary>
    Task<IReadOnlyList<RejectedWebhook>> ListAsync(
        string tenantId, RejectedWebhookCursor? after, int limit, CancellationToken cancellationToken = default);
}
