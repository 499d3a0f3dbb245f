namespace Engine.Grains.Storage.DataKeys;

/// <summary>The wrapped data keys, one per scope (the data_keys table).</summary>
public interface IDataKeyStore
{
    /// <summary>The scope's stored key; <paramref name="candidate"/> is stored first when there is none (the first writer wins).</summary>
    Task<WrappedDataKey> GetOrAddAsync(WrappedDataKey candidate, CancellationToken cancellationToken = default);

    /// <summary>Every key not wrapped by <paramref name="kekId"/>.</summary>
    Task<IReadOnlyList<WrappedDataKey>> ListWrappedByOthersAsync(string kekId, CancellationToken cancellationToken = default);

    /// <summary>Replaces <paramref name="current"/>'s wrapping, unless another process already did.</summary>
    Task RewrapAsync(WrappedDataKey current, WrappedDataKey rewrapped, CancellationToken cancellationToken = default);
}
