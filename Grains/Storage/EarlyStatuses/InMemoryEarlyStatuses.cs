using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Storage.Messages;

namespace Engine.Grains.Storage.EarlyStatuses;

/// <summary>Early statuses of the embedded engine, checked against its in-memory message table.</summary>
public sealed class InMemoryEarlyStatuses(InMemoryMessageTable table) : IEarlyStatuses
{
    private readonly List<(string TenantId, StatusReport Report)> _parked = [];

    public Task<bool> ParkUnlessKnownAsync(string tenantId, StatusReport report, CancellationToken cancellationToken = default)
    {
        lock (table.Gate)
        {
            if (table.TryFindByProviderId(tenantId, report.Provider, report.ProviderMessageId, out _) || _parked.Contains((tenantId, report)))
            {
                return Task.FromResult(false);
            }

            _parked.Add((tenantId, report));
            return Task.FromResult(true);
        }
    }

    public Task<IReadOnlyList<StatusReport>> FindAsync(string tenantId, IReadOnlyCollection<string> providerMessageIds, CancellationToken cancellationToken = default)
    {
        lock (table.Gate)
        {
            return Task.FromResult<IReadOnlyList<StatusReport>>(_parked
                .Where(p => p.TenantId == tenantId && providerMessageIds.Contains(p.Report.ProviderMessageId))
                .Select(p => p.Report)
                .ToArray());
        }
    }

    /// <summary>Drops the tenant's parked statuses of <paramref name="messages"/> and any reported before <paramref name="before"/>.</summary>
    internal int Forget(string tenantId, IReadOnlyCollection<MessageRecord> messages, DateTimeOffset before)
    {
        lock (table.Gate)
        {
            return _parked.RemoveAll(p => p.TenantId == tenantId && (p.Report.OccurredAt < before ||
                messages.Any(m => m.Provider == p.Report.Provider && m.ProviderMessageId == p.Report.ProviderMessageId)));
        }
    }

    /// <summary>Erasure: forgets the reports parked for these messages; returns how many.</summary>
    public int RemoveFor(string tenantId, IReadOnlyCollection<string> providerMessageIds)
    {
        lock (table.Gate)
        {
            return _parked.RemoveAll(p => p.TenantId == tenantId && providerMessageIds.Contains(p.Report.ProviderMessageId));
        }
    }

    public Task DiscardAsync(string tenantId, StatusReport report, CancellationToken cancellationToken = default)
    {
        lock (table.Gate)
        {
            _parked.Remove((tenantId, report));
        }

        return Task.CompletedTask;
    }
}
