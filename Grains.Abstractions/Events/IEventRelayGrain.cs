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
}
