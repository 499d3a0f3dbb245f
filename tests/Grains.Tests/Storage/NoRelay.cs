using Engine.Grains.Storage.Events;

namespace Engine.Grains.Tests.Storage;

/// <summary>For stores tested without a cluster's relay to poke: the tests give out cursors themselves.</summary>
internal sealed class NoRelay : IEventNotifier
{
    public void Notify(string tenantId)
    {
    }
}
