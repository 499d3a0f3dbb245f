using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Hosting;

namespace Engine.Grains.Tenants;

[GrainType("tenant")]
internal sealed class TenantGrain(
    [PersistentState("tenant", EngineHostingExtensions.StorageName)] IPersistentState<TenantState> state,
    TimeProvider time) : Grain, ITenantGrain
{
    private string TenantId => this.GetPrimaryKeyString();

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
        await state.WriteStateAsync();
        return new TenantCreation(true, Snapshot());
    }

    public Task<TenantSnapshot> GetAsync() => Task.FromResult(Snapshot());

    public async Task<TenantSnapshot> UpdateSettingsAsync(TenantSettings settings)
    {
        if (state.State.Settings is null)
        {
            throw new InvalidOperationException($"Tenant '{TenantId}' does not exist.");
        }

        if (settings != state.State.Settings)
        {
            state.State.Settings = settings;
            await state.WriteStateAsync();
        }

        return Snapshot();
    }

    private TenantSnapshot Snapshot() =>
        new(TenantId, state.State.Settings is not null, state.State.Settings, state.State.CreatedAt);
}
