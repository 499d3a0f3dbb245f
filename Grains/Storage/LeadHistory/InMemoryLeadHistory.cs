using Engine.Grains.Storage.Automation;
using Engine.Grains.Storage.Events;

namespace Engine.Grains.Storage.LeadHistory;

/// <summary>A lead's fired steps and events in the embedded engine's memory.</summary>
public sealed class InMemoryLeadHistory(InMemoryAutomationLog automationLog, InMemoryEventLog events) : ILeadHistory
{
    public Task<IReadOnlyList<AutomationFiring>> ReadFiringsAsync(string tenantId, string leadPhone, CancellationToken cancellationToken = default) =>
        Task.FromResult(automationLog.OfLead(tenantId, leadPhone));

    public Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(string tenantId, string leadPhone, long afterSequence, int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<StoredEvent>>([.. events.OfLead(tenantId, leadPhone)
            .Select((e, index) => new StoredEvent(index + 1, e.Cursor, e.Draft.EventId, e.Draft.Type, e.Draft.Subject, e.Draft.OccurredAt, e.Draft.DataJson))
            .Where(e => e.Sequence > afterSequence).Take(limit)]);
}
