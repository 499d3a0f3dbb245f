using Engine.Grains.Abstractions.Events;

namespace Engine.Grains.Storage.Events;

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
