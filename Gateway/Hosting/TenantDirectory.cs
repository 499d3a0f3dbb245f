using System.Collections.Concurrent;
using Engine.Grains.Abstractions.Tenants;

namespace Engine.Gateway.Hosting;

/// <summary>
/// Tenant settings for webhook verification, cached for a few seconds so that a burst of webhooks costs
/// one grain call per tenant rather than one per request. A settings change is seen within the lifetime.
/// </summary>
internal sealed class TenantDirectory(IClusterClient cluster, TimeProvider time)
{
    private static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);
    private readonly ConcurrentDictionary<string, (TenantSnapshot Tenant, DateTimeOffset FetchedAt)> _cache = new(StringComparer.Ordinal);

    /// <summary>The tenant's settings, or null when no such tenant exists.</summary>
    public async Task<TenantSettings?> FindAsync(string tenantId)
    {
        if (!TenantIds.IsValid(tenantId))
        {
            return null;
        }

        var now = time.GetUtcNow();
        if (!_cache.TryGetValue(tenantId, out var cached) || now - cached.FetchedAt > Lifetime)
        {
            cached = (await ClusterFaults.RetryOnceAsync(() => cluster.GetGrain<ITenantGrain>(tenantId).GetAsync()), now); // a read: safe to repeat
            _cache[tenantId] = cached;
        }

        return cached.Tenant.Settings;
    }
}
