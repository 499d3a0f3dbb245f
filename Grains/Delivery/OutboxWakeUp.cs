using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Delivery;
using Engine.Grains.Abstractions.Events;
using Engine.Grains.Events;
using Engine.Grains.Storage;

namespace Engine.Grains.Delivery;

/// <summary>
/// At silo start, activates the sender of every channel with queued messages and the relay of every
/// tenant with unpublished events, so a restart resumes at once rather than at the next reminder
/// tick or poke. Harmless when several silos do it.
/// </summary>
internal sealed class OutboxWakeUp(IMessageLog messageLog, IEventLog events, IGrainFactory grains) : IStartupTask
{
    public async Task Execute(CancellationToken cancellationToken)
    {
        foreach (var (tenantId, channel) in await messageLog.ListQueuedChannelsAsync(cancellationToken))
        {
            await grains.GetGrain<ISenderGrain>($"{tenantId}/{channel.ToWireName()}").GetBacklogAsync();
        }

        foreach (var tenantId in await events.TenantsWithUnpublishedAsync(cancellationToken))
        {
            await grains.GetGrain<IEventRelayGrain>(tenantId).PokeAsync();
        }
    }
}
