using System.Collections.Concurrent;
using Engine.Grains.Storage.Events;

namespace Engine.Grains.Storage.LeadDirectory;

/// <summary>The embedded engine's lead directory, in memory.</summary>
public sealed class InMemoryLeadDirectory(IEventLog events) : ILeadDirectory
{
    private readonly ConcurrentDictionary<(string TenantId, string LeadPhone), LeadListing> _listings = new();

    public async Task WriteAsync(LeadListing listing, EventDraft? alongside = null, CancellationToken cancellationToken = default)
    {
        _listings[(listing.TenantId, listing.LeadPhone)] = listing;
        if (alongside is not null)
        {
            await events.AppendAsync(alongside, cancellationToken);
        }
    }

    public Task<IReadOnlyList<LeadListing>> ListAsync(string tenantId, LeadFilter filter, LeadCursor? after, int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<LeadListing>>(_listings.Values
            .Where(l => l.TenantId == tenantId && filter.Matches(l))
            .Where(l => after is not { } cursor || l.CreatedAt < cursor.CreatedAt
                || (l.CreatedAt == cursor.CreatedAt && string.CompareOrdinal(l.LeadPhone, cursor.LeadPhone) < 0))
            .OrderByDescending(l => l.CreatedAt)
            .ThenByDescending(l => l.LeadPhone, StringComparer.Ordinal)
            .Take(limit)
            .ToArray());

    /// <summary>Erasure: removes the lead's row; returns how many were removed.</summary>
    public int RemoveLead(string tenantId, string leadPhone) => _listings.TryRemove((tenantId, leadPhone), out _) ? 1 : 0;
}
