using Engine.Grains.Storage.Automation;
namespace Engine.Grains.Storage.LeadHistory;

/// <summary>What a lead's export reads besides messages and consent: its fired playbook steps and its events.</summary>
public interface ILeadHistory
{
    /// <summary>The lead's fired steps, oldest first.</summary>
    Task<IReadOnlyList<AutomationFiring>> ReadFiringsAsync(string tenantId, string leadPhone, CancellationToken cancellationToken = default);

    /// <summary>A page of the lead's events in write order, after <paramref name="afterSequence"/>.</summary>
    Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(string tenantId, string leadPhone, long afterSequence, int limit, CancellationToken cancellationToken = default);
}
