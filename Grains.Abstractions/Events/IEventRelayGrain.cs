namespace Engine.Grains.Abstractions.Events;

/// <summary>
/// Publishes one tenant's events in commit order: gives each the tenant's next cursor and fans it out.
/// Key: the tenant id.
/// </summary>
[Alias("engine.event-relay")]
public interface IEventRelayGrain : IGrainWithStringKey
{
    /// <summary>New events were written; publish them soon (calls within a few milliseconds coalesce).</summary>
    [Alias("poke"), OneWay]
    Task PokeAsync();

    /// <summary>Erasure: removes the published events at these cursors from the fan-out buffer; returns how many were there.</summary>
    [Alias("forget")]
    Task<int> ForgetAsync(IReadOnlyList<long> cursors);
}
