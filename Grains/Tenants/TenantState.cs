using Engine.Grains.Abstractions.Tenants;

namespace Engine.Grains.Tenants;

/// <summary>Stored state of a tenant grain (state name "tenant").</summary>
[GenerateSerializer, Alias("engine.tenant-state.v1")]
public sealed class TenantState
{
    [Id(0)] public TenantSettings? Settings { get; set; }
    [Id(1)] public DateTimeOffset? CreatedAt { get; set; }
    [Id(2)] public List<ApiKeyInfo> ApiKeys { get; set; } = [];
    [Id(3)] public List<Engine.Grains.Abstractions.Automation.Playbook> Playbooks { get; set; } = [];
    [Id(4)] public List<Engine.Grains.Abstractions.Events.WebhookSubscription> WebhookSubscriptions { get; set; } = [];
}
