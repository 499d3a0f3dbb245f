using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Delivery;
using Engine.Grains.Storage;

namespace Engine.Grains.Delivery;

/// <summary>
/// At silo start, activates the sender of every channel with queued messages, so a restart resumes
/// sending at once rather than at the senders' next reminder tick. Harmless when several silos do it.
/// </summary>
internal sealed class OutboxWakeUp(IMessageLog messageLog, IGrainFactory grains) : IStartupTask
{
    public async Task Execute(CancellationToken cancellationToken)
    {
        foreach (var (tenantId, channel) in await messageLog.ListQueuedChannelsAsync(cancellationToken))
        {
            await grains.GetGrain<ISenderGrain>($"{tenantId}/{channel.ToWireName()}").GetBacklogAsync();
        }
    }
}
