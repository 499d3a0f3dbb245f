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

    /// <summary>Stores a new key, valid until <paramref name="expiresAt"/> if set; the caller made the secret and passes only its SHA-256.</summary>
    [Alias("create-api-key")]
    Task<ApiKeyInfo> CreateApiKeyAsync(string keyId, string name, ApiKeyRoles roles, string secretSha256, DateTimeOffset? expiresAt = null);

    /// <summary>Notes that a key was used at <paramref name="at"/>; stored at most about once a minute per key.</summary>
    [Alias("record-api-key-use")]
    Task RecordApiKeyUseAsync(string keyId, DateTimeOffset at);

    /// <summary>Revokes a key; null when the tenant has no such key.</summary>
    [Alias("revoke-api-key")]
    Task<ApiKeyInfo?> RevokeApiKeyAsync(string keyId);

    /// <summary>Creates or replaces a playbook (by its id).</summary>
    [Alias("put-playbook")]
    Task<TenantSnapshot> PutPlaybookAsync(Automation.Playbook playbook);

    /// <summary>Removes a playbook; runs of it stop at their next step. False when there was none.</summary>
    [Alias("delete-playbook")]
    Task<bool> DeletePlaybookAsync(string playbookId);

    /// <summary>Adds a partner webhook; delivery starts with the next event.</summary>
    [Alias("add-webhook")]
    Task<TenantSnapshot> AddWebhookSubscriptionAsync(Events.WebhookSubscription subscription);

    /// <summary>Removes a partner webhook; false when there was none.</summary>
    [Alias("remove-webhook")]
    Task<bool> RemoveWebhookSubscriptionAsync(string subscriptionId);

    /// <summary>The unrevoked key with this id and secret hash (expired or not: the caller says which), or null.</summary>
    [Alias("authenticate"), ReadOnly]
    Task<ApiKeyInfo?> AuthenticateAsync(string keyId, string secretSha256);
}
