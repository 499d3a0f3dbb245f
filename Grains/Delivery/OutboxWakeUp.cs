using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Delivery;
using Engine.Grains.Abstractions.Events;
using Engine.Grains.Storage.Outbox;
using Engine.Grains.Storage.Events;

namespace Engine.Grains.Delivery;

/// <summary>
/// At silo start, activates the sender of every channel with queued messages and the relay of every
/// tenant with unpublished events, so a restart resumes at once rather than at the next reminder
/// tick or poke. Harmless when several silos do it.
/// </summary>
internal sealed class OutboxWakeUp(IOutbox outbox, IEventLog events, IGrainFactory grains) : IStartupTask
{
    public async Task Execute(CancellationToken cancellationToken)
    {
        foreach (var (tenantId, channel) in await outbox.ListQueuedChannelsAsync(cancellationToken))
        {
            await grains.GetGrain<ISenderGrain>(GrainKeys.Sender(tenantId, channel)).GetBacklogAsync();
        }

        foreach (var tenantId in await events.TenantsWithUnpublishedAsync(cancellationToken))
        {
            await grains.GetGrain<IEventRelayGrain>(tenantId).PokeAsync();
        }
    }
}
