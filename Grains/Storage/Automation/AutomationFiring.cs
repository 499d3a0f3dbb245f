namespace Engine.Grains.Storage.Automation;

/// <summary>One fired playbook step.</summary>
public sealed record AutomationFiring(
    string TenantId, string LeadPhone, string RunId, int Step, string PlaybookId,
    DateTimeOffset DueAt, DateTimeOffset FiredAt, Guid? MessageId, string Outcome);
