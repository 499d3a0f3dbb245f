using Engine.Grains.Abstractions.Events;

using Engine.Grains.Events;

namespace Engine.Grains.Storage.Events;

/// <summary>Events of the embedded engine, in memory.</summary>
public sealed class InMemoryEventLog(IEventNotifier notifier) : IEventLog
{
    private readonly List<(EventDraft Draft, long? Cursor)> _events = [];
    private readonly HashSet<string> _ids = [];
    private readonly Dictionary<string, long> _lastCursor = [];
    private readonly Lock _gate = new();

    public Task AppendAsync(EventDraft draft, CancellationToken cancellationToken = default)
    {
        bool added;
        lock (_gate)
        {
            added = _ids.Add(draft.EventId);
            if (added)
            {
                _events.Add((draft, null));
            }
        }

        if (added)
        {
            notifier.Notify(draft.TenantId);
        }

        return Task.CompletedTask;
    }

    // In memory there is no commit order to wait for; the sequence bound is not needed.
    public Task<(IReadOnlyList<EngineEvent> Events, long MaxSequence)> AssignCursorsAsync(string tenantId, long fromSequence, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var assigned = new List<EngineEvent>();
            var last = _lastCursor.GetValueOrDefault(tenantId);
            for (var i = 0; i < _events.Count && assigned.Count < limit; i++)
            {
                var (draft, cursor) = _events[i];
                if (draft.TenantId == tenantId && cursor is null)
                {
                    _events[i] = (draft, ++last);
                    assigned.Add(ToEvent(draft, last));
                }
            }

            _lastCursor[tenantId] = last;
            return Task.FromResult<(IReadOnlyList<EngineEvent>, long)>((assigned, 0));
        }
    }

    public Task<IReadOnlyList<EngineEvent>> ReadAsync(string tenantId, long afterCursor, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<EngineEvent> page = _events
                .Where(e => e.Draft.TenantId == tenantId && e.Cursor > afterCursor)
                .OrderBy(e => e.Cursor)
                .Take(limit)
                .Select(e => ToEvent(e.Draft, e.Cursor!.Value))
                .ToArray();
            return Task.FromResult(page);
        }
    }

    /// <summary>A lead's events, in the order they were written.</summary>
    public IReadOnlyList<(EventDraft Draft, long? Cursor)> OfLead(string tenantId, string leadPhone)
    {
        lock (_gate)
        {
            return [.. _events.Where(e => e.Draft.TenantId == tenantId && e.Draft.LeadPhone == leadPhone)];
        }
    }

    /// <summary>Erasure: removes a lead's events; returns their ids.</summary>
    public IReadOnlyList<string> RemoveLead(string tenantId, string leadPhone)
    {
        lock (_gate)
        {
            var removed = _events.Where(e => e.Draft.TenantId == tenantId && e.Draft.LeadPhone == leadPhone).Select(e => e.Draft.EventId).ToArray();
            _events.RemoveAll(e => e.Draft.TenantId == tenantId && e.Draft.LeadPhone == leadPhone);
            _ids.ExceptWith(removed);
            return removed;
        }
    }

    public Task<long> LastCursorAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_lastCursor.GetValueOrDefault(tenantId));
        }
    }

    public Task<IReadOnlyList<string>> TenantsWithUnpublishedAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<string> tenants = _events.Where(e => e.Cursor is null).Select(e => e.Draft.TenantId).Distinct().ToArray();
            return Task.FromResult(tenants);
        }
    }

    /// <summary>Removes the body from up to <paramref name="limit"/> of the tenant's events before <paramref name="before"/>.</summary>
    internal (int Count, long LastCursor) StripBodies(string tenantId, DateTimeOffset before, int limit)
    {
        lock (_gate)
        {
            var (count, lastCursor) = (0, 0L);
            for (var i = 0; i < _events.Count && count < limit; i++)
            {
                var (draft, cursor) = _events[i];
                if (draft.TenantId == tenantId && draft.OccurredAt < before && EventJson.HasBody(draft.DataJson))
                {
                    _events[i] = (draft with { DataJson = EventJson.WithoutBody(draft.DataJson) }, cursor);
                    (count, lastCursor) = (count + 1, Math.Max(lastCursor, cursor ?? 0));
                }
            }

            return (count, lastCursor);
        }
    }

    private static EngineEvent ToEvent(EventDraft draft, long cursor) =>
        new(cursor, draft.EventId, draft.TenantId, draft.Type, draft.Subject, draft.OccurredAt, draft.DataJson);
}
