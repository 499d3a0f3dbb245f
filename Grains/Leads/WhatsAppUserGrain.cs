using Engine.Grains.Storage;
using Engine.Grains.Abstractions.Leads;

namespace Engine.Grains.Leads;

[GrainType("whatsapp-user"), Orleans.Placement.PreferLocalPlacement]
internal sealed class WhatsAppUserGrain(
    [PersistentState("whatsapp-user", GrainStorage.Name)] IPersistentState<WhatsAppUserState> state) : Grain, IWhatsAppUserGrain
{
    public Task<string?> FindLeadAsync() => Task.FromResult(state.State.LeadAddress);

    public async Task<string> LinkAsync(string leadAddress)
    {
        if (state.State.LeadAddress is { } linked)
        {
            return linked;
        }

        state.State.LeadAddress = leadAddress;
        await state.WriteStateAsync();
        return leadAddress;
    }

    public async Task EraseAsync()
    {
        if (state.RecordExists)
        {
            await state.ClearStateAsync();
        }

        state.State = new WhatsAppUserState();
        DeactivateOnIdle();
    }
}
