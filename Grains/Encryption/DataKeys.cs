using System.Collections.Concurrent;
using System.Security.Cryptography;
using Engine.Grains.Hosting;
using Engine.Grains.Storage.DataKeys;

namespace Engine.Grains.Encryption;

/// <summary>
/// The unwrapped data keys, one per scope (a tenant id, or <see cref="GrainStateScope"/>), made on first
/// use and cached for the life of the process: the send and ingest paths pay one dictionary lookup.
/// </summary>
public sealed partial class DataKeys(KeyEncryptionKeys keks, IDataKeyStore store, ILogger<DataKeys> logger)
{
    /// <summary>The scope of the key that seals all grain state (the storage serializer sees no tenant).</summary>
    public const string GrainStateScope = "_grain-state";

    private readonly ConcurrentDictionary<string, Task<byte[]>> _keys = new(StringComparer.Ordinal);

    /// <summary>The scope's data key.</summary>
    public Task<byte[]> GetAsync(string scope)
    {
        // On the thread pool: a grain's storage serializer may block on this (it is synchronous), and a
        // load continuing on that grain's scheduler would then wait for itself.
        var key = _keys.GetOrAdd(scope, s => Task.Run(() => LoadAsync(s)));
        if (key.IsFaulted || key.IsCanceled)
        {
            // A failed load (the database was away) is not remembered: the next caller tries again.
            _keys.TryRemove(KeyValuePair.Create(scope, key));
        }

        return key;
    }

    /// <summary>
    /// Rewraps every data key that the active key-encryption key does not wrap yet, so that a retired
    /// key can be removed from configuration. Runs on every silo start; idempotent.
    /// </summary>
    public async Task RewrapAsync(CancellationToken cancellationToken = default)
    {
        var stale = await store.ListWrappedByOthersAsync(keks.ActiveKeyId, cancellationToken);
        foreach (var wrapped in stale)
        {
            if (!keks.Holds(wrapped.KekId))
            {
                throw new EngineStartupException(
                    $"The data key of '{wrapped.Scope}' is wrapped by key-encryption key '{wrapped.KekId}', which {EncryptionSettings.SectionName}:Keys " +
                    $"does not hold: put {EncryptionSettings.SectionName}:Keys:{wrapped.KekId} back until every silo has started with the new active key.");
            }

            await store.RewrapAsync(wrapped, keks.Wrap(wrapped.Scope, keks.Unwrap(wrapped)), cancellationToken);
        }

        if (stale.Count > 0)
        {
            LogRewrapped(logger, stale.Count, keks.ActiveKeyId);
        }
    }

    private async Task<byte[]> LoadAsync(string scope)
    {
        var candidate = keks.Wrap(scope, RandomNumberGenerator.GetBytes(SealedBox.KeySize));
        return keks.Unwrap(await store.GetOrAddAsync(candidate));
    }

    [LoggerMessage(EventId = 2601, EventName = "DataKeysRewrapped", Level = LogLevel.Information,
        Message = "Rewrapped {Count} data key(s) with key-encryption key {ActiveKeyId}")]
    private static partial void LogRewrapped(ILogger logger, int count, string activeKeyId);
}
