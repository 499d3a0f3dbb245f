namespace Engine.Grains.Abstractions.Tenants;

/// <summary>
/// Removes one tenant's message data past its retention settings, in bounded batches, then again every
/// hour for as long as the tenant keeps a retention setting. Key: the tenant id.
/// </summary>
[Alias("engine.retention")]
public interface IRetentionGrain : IGrainWithStringKey
{
    /// <summary>
    /// Applies the tenant's current retention soon (and keeps its hourly reminder in step with it).
    /// One-way: the tenant grain calls it on a settings change, and the purge reads the tenant back.
    /// </summary>
    [Alias("purge"), OneWay]
    Task PurgeAsync();
}
