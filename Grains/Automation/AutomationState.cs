using Engine.Grains.Abstractions.Automation;

namespace Engine.Grains.Automation;

/// <summary>Stored state of an automation grain (state name "automation"): the runs in progress.</summary>
[GenerateSerializer, Alias("engine.automation-state.v1")]
public sealed class AutomationState
{
    [Id(0)] public List<AutomationRun> Runs { get; set; } = [];
}
