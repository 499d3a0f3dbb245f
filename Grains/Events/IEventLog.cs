using Engine.Grains.Abstractions.Events;

namespace Engine.Grains.Events;

/// <summary>An event to record, before the relay has given it a cursor.</summary>
public sealed record EventDraft(string EventId, string TenantId, string Type, string Subject, string? LeadPhone, DateTimeOffset OccurredAt, string DataJson);

/// <summary>
/// The record of events (the outbox). Stores that change state write their events in the same
/// statement; this interface appends the rest, hands out cursors and reads events back.
/// </summary>
public interface IEventLog
{
    /// <summary>Appends an event unless one with its id exists.</summary>
    Task AppendAsync(EventDraft draft, CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives the tenant's next cursors to events without one whose sequence is above
    /// <paramref name="fromSequence"/>, oldest commit first; returns them with the highest sequence seen.
    /// </summary>
    Task<(IReadOnlyList<EngineEvent> Events, long MaxSequence)> AssignCursorsAsync(string tenantId, long fromSequence, int limit, CancellationToken cancellationToken = default);

    /// <summary>Published events of a tenant with cursors after <paramref name="afterCursor"/>, in cursor order.</summary>
    Task<IReadOnlyList<EngineEvent>> ReadAsync(string tenantId, long afterCursor, int limit, CancellationToken cancellationToken = default);

    /// <summary>The last cursor handed out for the tenant (0 before its first event).</summary>
    Task<long> LastCursorAsync(string tenantId, CancellationToken cancellationToken = default);

    /// <summary>Tenants with events still waiting for a cursor.</summary>
    Task<IReadOnlyList<string>> TenantsWithUnpublishedAsync(CancellationToken cancellationToken = default);
}

/// <summary>Tells a tenant's relay that events were written.</summary>
public interface IEventNotifier
{
    void Notify(string tenantId);
}

/// <summary>
/// Pokes the tenant's relay grain (one-way, so writers never wait on publishing), at most once per
/// tenant every few milliseconds: a burst of writes needs one publish, not one poke each, and the
/// relay's own sweep catches anything a skipped poke would have announced.
/// </summary>
public sealed class GrainEventNotifier(IGrainFactory grains, TimeProvider time) : IEventNotifier
{
    private static readonly long MinimumGap = TimeSpan.FromMilliseconds(20).Ticks;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _lastPoke = new(StringComparer.Ordinal);

    public void Notify(string tenantId)
    {
        var now = time.GetUtcNow().UtcTicks;
        var last = _lastPoke.GetOrAdd(tenantId, 0);
        if (now - last >= MinimumGap && _lastPoke.TryUpdate(tenantId, now, last))
        {
            _ = grains.GetGrain<IEventRelayGrain>(tenantId).PokeAsync();
        }
    }
}
