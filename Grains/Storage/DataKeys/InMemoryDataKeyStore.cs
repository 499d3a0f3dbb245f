using System.Collections.Concurrent;

namespace Engine.Grains.Storage.DataKeys;

/// <summary>The data keys of the embedded engine, lost with the process like everything they protect.</summary>
public sealed class InMemoryDataKeyStore : IDataKeyStore
{
    private readonly ConcurrentDictionary<string, WrappedDataKey> _keys = new(StringComparer.Ordinal);

    public Task<WrappedDataKey> GetOrAddAsync(WrappedDataKey candidate, CancellationToken cancellationToken = default) =>
        Task.FromResult(_keys.GetOrAdd(candidate.Scope, candidate));

    public Task<IReadOnlyList<WrappedDataKey>> ListWrappedByOthersAsync(string kekId, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<WrappedDataKey>>(_keys.Values.Where(k => k.KekId != kekId).ToArray());

    public Task RewrapAsync(WrappedDataKey current, WrappedDataKey rewrapped, CancellationToken cancellationToken = default)
    {
        _keys.TryUpdate(current.Scope, rewrapped, current);
        return Task.CompletedTask;
    }
}
