using System.Collections.Concurrent;
using Engine.Grains.Abstractions.Events;
using Engine.Grains.Events;
using Engine.Grains.Storage.Events;

namespace Engine.Grains.Storage.Automation;

/// <summary>Fired steps of the embedded engine, in memory.</summary>
public sealed class InMemoryAutomationLog(IEventLog events) : IAutomationLog
{
    private readonly ConcurrentDictionary<(string, string, string, int), AutomationFiring> _firings = new();

    /// <summary>A lead's fired steps, oldest first.</summary>
    public IReadOnlyList<AutomationFiring> OfLead(string tenantId, string leadPhone) =>
        [.. _firings.Values.Where(f => f.TenantId == tenantId && f.LeadPhone == leadPhone).OrderBy(f => f.FiredAt)];

    /// <summary>Erasure: removes a lead's fired steps; returns how many.</summary>
    public int RemoveLead(string tenantId, string leadPhone) =>
        _firings.Where(f => f.Key.Item1 == tenantId && f.Key.Item2 == leadPhone).Count(f => _firings.TryRemove(f.Key, out _));

    public async Task RecordAsync(AutomationFiring firing, CancellationToken cancellationToken = default)
    {
        if (_firings.TryAdd((firing.TenantId, firing.LeadPhone, firing.RunId, firing.Step), firing))
        {
            await events.AppendAsync(new EventDraft(
                $"{EventTypes.AutomationStepFired}/{firing.TenantId}/{firing.LeadPhone}/{firing.RunId}/{firing.Step}", firing.TenantId,
                EventTypes.AutomationStepFired, firing.LeadPhone, firing.LeadPhone, firing.FiredAt, EventJson.Serialize(firing)), cancellationToken);
        }
    }
}
