using System.Security.Cryptography;
using System.Text;
using Engine.Grains.Hosting;
using Engine.Grains.Storage.DataKeys;

namespace Engine.Grains.Encryption;

/// <summary>
/// The key-encryption keys of Engine:Encryption, which wrap and unwrap data keys and nothing else.
/// Built once at start: a PostgreSQL-backed host without them does not start; the embedded engine,
/// which keeps nothing, makes up a throwaway one.
/// </summary>
public sealed class KeyEncryptionKeys
{
    /// <summary>The id of the key the embedded engine makes up when none is configured.</summary>
    public const string ThrowawayKeyId = "embedded-throwaway";

    private readonly Dictionary<string, byte[]> _keys;

    private KeyEncryptionKeys(Dictionary<string, byte[]> keys, string activeKeyId, bool isThrowaway) =>
        (_keys, ActiveKeyId, IsThrowaway) = (keys, activeKeyId, isThrowaway);

    /// <summary>The id of the key that wraps new data keys.</summary>
    public string ActiveKeyId { get; }

    /// <summary>True when the key was made up for this process (embedded mode without configuration).</summary>
    public bool IsThrowaway { get; }

    /// <summary>The configured keys, or an <see cref="EngineStartupException"/> saying what is wrong with them.</summary>
    public static KeyEncryptionKeys FromSettings(EncryptionSettings settings, bool embedded)
    {
        const string Section = EncryptionSettings.SectionName;
        if (settings.Keys.Count == 0 && embedded)
        {
            return new(new() { [ThrowawayKeyId] = RandomNumberGenerator.GetBytes(SealedBox.KeySize) }, ThrowawayKeyId, isThrowaway: true);
        }

        if (string.IsNullOrWhiteSpace(settings.ActiveKeyId))
        {
            throw new EngineStartupException(
                $"{Section}:ActiveKeyId is not set. Secrets and message bodies are encrypted at rest: set {Section}:Keys:<id> to 32 random " +
                $"bytes in base64 (openssl rand -base64 32) and {Section}:ActiveKeyId to that id.");
        }

        var keys = new Dictionary<string, byte[]>(StringComparer.Ordinal);
        foreach (var (id, value) in settings.Keys)
        {
            keys[id] = Decode(id, value);
        }

        if (!keys.ContainsKey(settings.ActiveKeyId))
        {
            throw new EngineStartupException($"{Section}:ActiveKeyId is '{settings.ActiveKeyId}', but {Section}:Keys:{settings.ActiveKeyId} is not set.");
        }

        return new(keys, settings.ActiveKeyId, isThrowaway: false);
    }

    /// <summary>True when the key <paramref name="kekId"/> is configured.</summary>
    public bool Holds(string kekId) => _keys.ContainsKey(kekId);

    /// <summary>Wraps a data key of <paramref name="scope"/> with the active key.</summary>
    public WrappedDataKey Wrap(string scope, byte[] dataKey) =>
        new(scope, ActiveKeyId, SealedBox.Seal(_keys[ActiveKeyId], dataKey, Encoding.UTF8.GetBytes(scope)));

    /// <summary>The data key inside <paramref name="wrapped"/>; fails when its key-encryption key is not configured.</summary>
    public byte[] Unwrap(WrappedDataKey wrapped)
    {
        if (!_keys.TryGetValue(wrapped.KekId, out var kek))
        {
            throw new InvalidOperationException(
                $"The data key of '{wrapped.Scope}' is wrapped by key-encryption key '{wrapped.KekId}', which {EncryptionSettings.SectionName}:Keys does not hold.");
        }

        return SealedBox.Open(kek, wrapped.Wrapped, Encoding.UTF8.GetBytes(wrapped.Scope));
    }

    private static byte[] Decode(string id, string value)
    {
        var bytes = new byte[SealedBox.KeySize + 1];
        if (!Convert.TryFromBase64String(value.Trim(), bytes, out var length) || length != SealedBox.KeySize)
        {
            throw new EngineStartupException($"{EncryptionSettings.SectionName}:Keys:{id} is not 32 bytes in base64 (make one with: openssl rand -base64 32).");
        }

        return bytes[..SealedBox.KeySize];
    }
}
