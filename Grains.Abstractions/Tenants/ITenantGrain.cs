namespace Engine.Grains.Abstractions.Tenants;

/// <summary>A business using the engine. Key: the tenant id, lower-case letters, digits and '-'.</summary>
[Alias("engine.tenant")]
public interface ITenantGrain : IGrainWithStringKey
{
    /// <summary>Creates the tenant once; a second call changes nothing and says so.</summary>
    [Alias("create")]
    Task<TenantCreation> CreateAsync(TenantSettings settings);

    /// <summary>The tenant and its settings.</summary>
    [Alias("get"), ReadOnly]
    Task<TenantSnapshot> GetAsync();

    /// <summary>Replaces the settings of an existing tenant.</summary>
    [Alias("update-settings")]
    Task<TenantSnapshot> UpdateSettingsAsync(TenantSettings settings);
}
