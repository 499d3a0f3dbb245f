using Engine.Grains.Abstractions.Events;

namespace Engine.Grains.Storage.Events;

/// <summary>
/// Pokes the tenant's relay grain (one-way, so writers never wait on publishing), at most once per tenant
/// every few milliseconds (<see cref="PokeThrottle"/>): a burst of writes needs one publish, not one poke each.
/// </summary>
public sealed class GrainEventNotifier : IEventNotifier
{
    private static readonly TimeSpan MinimumGap = TimeSpan.FromMilliseconds(20);
    private readonly PokeThrottle _throttle;

    public GrainEventNotifier(IGrainFactory grains, TimeProvider time) =>
        _throttle = new PokeThrottle(MinimumGap, time, tenantId => _ = grains.GetGrain<IEventRelayGrain>(tenantId).PokeAsync());

    public void Notify(string tenantId) => _throttle.Request(tenantId);
}
