namespace Engine.Grains.Storage.Automation;

/// <summary>The record of fired playbook steps; recording a step twice stores it once.</summary>
public interface IAutomationLog
{
    Task RecordAsync(AutomationFiring firing, CancellationToken cancellationToken = default);
}
