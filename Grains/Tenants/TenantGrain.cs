using Engine.Grains.Abstractions;
using Engine.Grains.Storage;
using Engine.Grains.Abstractions.Automation;
using Engine.Grains.Abstractions.Events;
using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Policies;
using Engine.Grains.Storage.Events;

namespace Engine.Grains.Tenants;

[GrainType("tenant")]
internal sealed class TenantGrain(
    [PersistentState("tenant", GrainStorage.Name)] IPersistentState<TenantState> state,
    IEventLog events,
    TenantCache cache,
    TimeProvider time) : Grain, ITenantGrain
{
    private string TenantId => this.GetPrimaryKeyString();

    // Every change drops this process's cached copy, so grains here see it at once.
    private async Task SaveAsync()
    {
        await state.WriteStateAsync();
        cache.Invalidate(TenantId);
    }

    public async Task<TenantCreation> CreateAsync(TenantSettings settings)
    {
        if (state.State.Settings is not null)
        {
            return new TenantCreation(false, Snapshot());
        }

        if (!TenantIds.IsValid(TenantId))
        {
            throw new ArgumentException($"'{TenantId}' is not a valid tenant id.", nameof(settings));
        }

        state.State.Settings = settings;
        state.State.CreatedAt = time.GetUtcNow();
        await SaveAsync();
        if (settings.Retention is not null)
        {
            await GrainFactory.GetGrain<IRetentionGrain>(TenantId).PurgeAsync();
        }
        return new TenantCreation(true, Snapshot());
    }

    public Task<TenantSnapshot> GetAsync() => Task.FromResult(Snapshot());

    public async Task<TenantSnapshot> UpdateSettingsAsync(TenantSettings settings)
    {
        RequireExists();
        if (settings != state.State.Settings)
        {
            var retentionChanged = settings.Retention != state.State.Settings!.Retention;
            state.State.Settings = settings;
            await SaveAsync();
            if (retentionChanged)
            {
                // Starts (or stops) the purge reminder, and applies a shorter retention at once.
                await GrainFactory.GetGrain<IRetentionGrain>(TenantId).PurgeAsync();
            }
        }

        return Snapshot();
    }

    public async Task<ApiKeyInfo> CreateApiKeyAsync(string keyId, string name, ApiKeyRoles roles, string secretSha256, DateTimeOffset? expiresAt = null)
    {
        RequireExists();
        if (state.State.ApiKeys.Find(k => k.KeyId == keyId) is { } existing)
        {
            return existing;
        }

        var key = new ApiKeyInfo(keyId, name, roles, secretSha256, time.GetUtcNow(), null, expiresAt);
        state.State.ApiKeys.Add(key);
        await SaveAsync();
        return key;
    }

    public async Task<ApiKeyInfo?> RevokeApiKeyAsync(string keyId)
    {
        var index = state.State.ApiKeys.FindIndex(k => k.KeyId == keyId);
        if (index < 0)
        {
            return null;
        }

        if (state.State.ApiKeys[index].RevokedAt is null)
        {
            state.State.ApiKeys[index] = state.State.ApiKeys[index] with { RevokedAt = time.GetUtcNow() };
            await SaveAsync();
        }

        return state.State.ApiKeys[index];
    }

    public async Task RecordApiKeyUseAsync(string keyId, DateTimeOffset at)
    {
        var index = state.State.ApiKeys.FindIndex(k => k.KeyId == keyId);
        if (index >= 0 && ApiKeyUsePolicy.IsWorthRecording(state.State.ApiKeys[index].LastUsedAt, at))
        {
            state.State.ApiKeys[index] = state.State.ApiKeys[index] with { LastUsedAt = at };
            await SaveAsync();
        }
    }

    public Task<ApiKeyInfo?> AuthenticateAsync(string keyId, string secretSha256)
    {
        var key = state.State.ApiKeys.Find(k => k.KeyId == keyId && k.RevokedAt is null);
        var matches = key is not null && System.Security.Cryptography.CryptographicOperations.FixedTimeEquals(
            System.Text.Encoding.ASCII.GetBytes(key.SecretSha256), System.Text.Encoding.ASCII.GetBytes(secretSha256));
        return Task.FromResult(matches ? key : null);
    }

    public async Task<TenantSnapshot> PutPlaybookAsync(Playbook playbook)
    {
        RequireExists();
        var index = state.State.Playbooks.FindIndex(p => p.PlaybookId == playbook.PlaybookId);
        if (index >= 0)
        {
            state.State.Playbooks[index] = playbook;
        }
        else
        {
            state.State.Playbooks.Add(playbook);
        }

        await SaveAsync();
        return Snapshot();
    }

    public async Task<bool> DeletePlaybookAsync(string playbookId)
    {
        if (state.State.Playbooks.RemoveAll(p => p.PlaybookId == playbookId) == 0)
        {
            return false;
        }

        await SaveAsync();
        return true;
    }

    public async Task<TenantSnapshot> AddWebhookSubscriptionAsync(WebhookSubscription subscription)
    {
        RequireExists();
        if (state.State.WebhookSubscriptions.All(w => w.SubscriptionId != subscription.SubscriptionId))
        {
            state.State.WebhookSubscriptions.Add(subscription);
            await SaveAsync();
            // From the log, not the relay grain: the relay may be waiting on this grain right now.
            var from = await events.LastCursorAsync(TenantId);
            await GrainFactory.GetGrain<IPartnerWebhookGrain>(GrainKeys.PartnerWebhook(TenantId, subscription.SubscriptionId)).StartAsync(subscription, from);
        }

        return Snapshot();
    }

    public async Task<bool> RemoveWebhookSubscriptionAsync(string subscriptionId)
    {
        if (state.State.WebhookSubscriptions.RemoveAll(w => w.SubscriptionId == subscriptionId) == 0)
        {
            return false;
        }

        await SaveAsync();
        await GrainFactory.GetGrain<IPartnerWebhookGrain>(GrainKeys.PartnerWebhook(TenantId, subscriptionId)).StopAsync();
        return true;
    }

    private void RequireExists()
    {
        if (state.State.Settings is null)
        {
            throw new InvalidOperationException($"Tenant '{TenantId}' does not exist.");
        }
    }

    private TenantSnapshot Snapshot() =>
        new(TenantId, state.State.Settings is not null, state.State.Settings, state.State.CreatedAt, state.State.ApiKeys.ToArray(), state.State.Playbooks.ToArray(),
            state.State.WebhookSubscriptions.ToArray());
}
