using System.Collections.Concurrent;
using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Options;
using Microsoft.Extensions.Options;

namespace Engine.Grains.Tenants;

/// <summary>
/// Tenants as grains and the gateway read them: one cache per process, so a burst of webhooks, sends or
/// automation steps costs one tenant-grain call per tenant every few seconds rather than one per item.
/// The tenant grain drops its entry when it changes, so its own silo (and, in embedded mode, the whole
/// engine) sees a change at once; other processes see it within <see cref="Lifetime"/>. Concurrent
/// misses share one fetch. "No such tenant" is cached too, for the same short lifetime (a flood of
/// webhooks for one made-up tenant costs one look-up every few seconds), but only for the
/// Engine:UnknownTenantCacheSize most recent ids, so made-up ids cannot grow the cache without bound.
/// </summary>
public sealed class TenantCache(IGrainFactory grains, IOptions<EngineSettings> settings, TimeProvider time)
{
    /// <summary>How long a process may use a tenant it read before reading it again.</summary>
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(5);

    private readonly ConcurrentDictionary<string, (Task<TenantSnapshot> Tenant, DateTimeOffset FetchedAt)> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _unknown = new(); // ids found not to exist, oldest first

    /// <summary>How many tenants (existing or not) are cached now.</summary>
    public int Count => _entries.Count;

    /// <summary>The tenant as read at most <see cref="Lifetime"/> ago (or now, with <paramref name="fresh"/>).</summary>
    public async Task<TenantSnapshot> GetAsync(string tenantId, bool fresh = false)
    {
        var now = time.GetUtcNow();
        if (fresh || !_entries.TryGetValue(tenantId, out var entry) || now - entry.FetchedAt > Lifetime || entry.Tenant is { IsCompleted: true, IsCompletedSuccessfully: false })
        {
            entry = (FetchAsync(tenantId), now);
            _entries[tenantId] = entry;
        }

        return await entry.Tenant;
    }

    private async Task<TenantSnapshot> FetchAsync(string tenantId)
    {
        var tenant = await grains.GetGrain<ITenantGrain>(tenantId).GetAsync();
        if (!tenant.Exists)
        {
            _unknown.Enqueue(tenantId);
            while (_unknown.Count > settings.Value.UnknownTenantCacheSize && _unknown.TryDequeue(out var oldest))
            {
                // Only if it is still unknown: the id may have been created (and cached) since.
                if (_entries.TryGetValue(oldest, out var entry) && entry.Tenant is { IsCompletedSuccessfully: true, Result.Exists: false })
                {
                    _entries.TryRemove(KeyValuePair.Create(oldest, entry));
                }
            }
        }

        return tenant;
    }

    /// <summary>The tenant's settings, or null when it does not exist.</summary>
    public async Task<TenantSettings?> FindSettingsAsync(string tenantId) =>
        TenantIds.IsValid(tenantId) ? (await GetAsync(tenantId)).Settings : null;

    /// <summary>The settings of a tenant that must exist (grains act only for tenants that do).</summary>
    public async Task<TenantSettings> RequireSettingsAsync(string tenantId) =>
        (await GetAsync(tenantId)).Settings ?? throw new InvalidOperationException($"Tenant '{tenantId}' does not exist.");

    /// <summary>
    /// False for a tenant without playbooks: nothing can start or stop, so callers need not activate a
    /// lead's automation grain (a state read) for every event.
    /// </summary>
    public async Task<bool> HasPlaybooksAsync(string tenantId) => (await GetAsync(tenantId)).Playbooks.Count > 0;

    /// <summary>Forgets the tenant, so the next read fetches it.</summary>
    public void Invalidate(string tenantId) => _entries.TryRemove(tenantId, out _);
}
