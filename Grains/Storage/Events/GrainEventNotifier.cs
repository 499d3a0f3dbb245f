using Engine.Grains.Abstractions.Events;

namespace Engine.Grains.Storage.Events;

/// <summary>
/// Pokes the tenant's relay grain (one-way, so writers never wait on publishing), at most once per
/// tenant every few milliseconds: a burst of writes needs one publish, not one poke each, and the
/// relay's own sweep catches anything a skipped poke would have announced.
/// </summary>
public sealed class GrainEventNotifier(IGrainFactory grains, TimeProvider time) : IEventNotifier
{
    private static readonly long MinimumGap = TimeSpan.FromMilliseconds(20).Ticks;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> _lastPoke = new(StringComparer.Ordinal);

    public void Notify(string tenantId)
    {
        var now = time.GetUtcNow().UtcTicks;
        var last = _lastPoke.GetOrAdd(tenantId, 0);
        if (now - last >= MinimumGap && _lastPoke.TryUpdate(tenantId, now, last))
        {
            _ = grains.GetGrain<IEventRelayGrain>(tenantId).PokeAsync();
        }
    }
}
