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

    // A refresh that has not answered within this (its tenant grain's silo was lost, or the cluster is
    // overloaded) does not hold every caller sharing it: the last answer serves them meanwhile...
    private static readonly TimeSpan RefreshPatience = TimeSpan.FromSeconds(1);

    // ...as long as it is at most this old. Past it, callers wait for the tenant grain again.
    private static readonly TimeSpan StaleLimit = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<string> _unknown = new(); // ids found not to exist, oldest first

    /// <summary>A fetch of the tenant, and the last answer a fetch gave (for a refresh that stalls or fails).</summary>
    private sealed record Entry(Task<TenantSnapshot> Tenant, DateTimeOffset FetchedAt, TenantSnapshot? LastGood, DateTimeOffset LastGoodAt);

    /// <summary>How many tenants (existing or not) are cached now.</summary>
    public int Count => _entries.Count;

    /// <summary>
    /// The tenant as read at most <see cref="Lifetime"/> ago (or now, with <paramref name="fresh"/>). While a
    /// refresh stalls or fails, the previous answer (at most <see cref="StaleLimit"/> old) is used; a change
    /// made through this process's own tenant grain is never served stale, because it drops the entry.
    /// </summary>
    public async Task<TenantSnapshot> GetAsync(string tenantId, bool fresh = false)
    {
        var now = time.GetUtcNow();
        if (fresh || !_entries.TryGetValue(tenantId, out var entry) || now - entry.FetchedAt > Lifetime || entry.Tenant is { IsCompleted: true, IsCompletedSuccessfully: false })
        {
            var previous = fresh ? null : _entries.GetValueOrDefault(tenantId);
            entry = previous?.Tenant is { IsCompletedSuccessfully: true } answered
                ? new Entry(FetchAsync(tenantId), now, answered.Result, previous.FetchedAt)
                : new Entry(FetchAsync(tenantId), now, previous?.LastGood, previous?.LastGoodAt ?? default);
            _entries[tenantId] = entry;
        }

        if (entry.LastGood is not { } lastGood || now - entry.LastGoodAt > StaleLimit)
        {
            return await entry.Tenant;
        }

        if (!entry.Tenant.IsCompleted)
        {
            await Task.WhenAny(entry.Tenant, Task.Delay(RefreshPatience, time));
        }

        return entry.Tenant.IsCompletedSuccessfully ? await entry.Tenant : lastGood;
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
