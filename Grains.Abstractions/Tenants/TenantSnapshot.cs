namespace Engine.Grains.Abstractions.Tenants;

/// <summary>A tenant as it stands; <see cref="Exists"/> is false for a tenant never created.</summary>
[GenerateSerializer, Immutable, Alias("engine.tenant-snapshot.v1")]
public sealed record class TenantSnapshot(
    [property: Id(0)] string TenantId,
    [property: Id(1)] bool Exists,
    [property: Id(2)] TenantSettings? Settings,
    [property: Id(3)] DateTimeOffset? CreatedAt,
    [property: Id(4)] IReadOnlyList<ApiKeyInfo> ApiKeys,
    [property: Id(5)] IReadOnlyList<Automation.Playbook> Playbooks,
    [property: Id(6)] IReadOnlyList<Events.WebhookSubscription> WebhookSubscriptions);

/// <summary>The outcome of creating a tenant: false when it already existed (nothing changed).</summary>
[GenerateSerializer, Immutable, Alias("engine.tenant-creation.v1")]
public sealed record class TenantCreation(
    [property: Id(0)] bool Created,
    [property: Id(1)] TenantSnapshot Tenant);
