using System.Collections.Concurrent;

namespace Engine.Grains.Storage.RejectedWebhooks;

/// <summary>The rejected-webhook log of the embedded, single-process engine. Nothing survives a restart.</summary>
public sealed class InMemoryRejectedWebhookLog : IRejectedWebhookLog
{
    private readonly ConcurrentDictionary<string, RejectedWebhook> _byId = new(StringComparer.Ordinal);

    public Task RecordAsync(IReadOnlyList<RejectedWebhook> items, CancellationToken cancellationToken = default)
    {
        foreach (var item in items)
        {
            _byId.TryAdd(item.Id, item);
        }

        return Task.CompletedTask;
    }

    /// <summary>Erasure: removes a tenant's items whose payload contains any of <paramref name="searchTerms"/>; returns how many.</summary>
    public int RemoveMentioning(string tenantId, IReadOnlyCollection<string> searchTerms) =>
        _byId.Values.Where(r => r.TenantId == tenantId && searchTerms.Any(t => r.Raw.Contains(t, StringComparison.Ordinal)))
            .Count(r => _byId.TryRemove(r.Id, out _));

    public Task<IReadOnlyList<RejectedWebhook>> ListAsync(
        string tenantId, RejectedWebhookCursor? after, int limit, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<RejectedWebhook> page = _byId.Values
            .Where(r => r.TenantId == tenantId)
            .Where(r => after is not { } cursor || r.ReceivedAt < cursor.ReceivedAt
                || (r.ReceivedAt == cursor.ReceivedAt && string.CompareOrdinal(r.Id, cursor.Id) < 0))
            .OrderByDescending(r => r.ReceivedAt)
            .ThenByDescending(r => r.Id, StringComparer.Ordinal)
            .Take(limit)
            .ToArray();
        return Task.FromResult(page);
    }
}
