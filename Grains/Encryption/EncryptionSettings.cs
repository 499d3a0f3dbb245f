namespace Engine.Grains.Encryption;

/// <summary>
/// Key-encryption keys (section "Engine:Encryption"): <see cref="Keys"/> by id, each 32 random bytes in
/// base64, and the id of the one that wraps new data keys. Older keys stay listed until every data
/// key wrapped by them has been rewrapped (silos do that at start). Secrets.
/// </summary>
public sealed class EncryptionSettings
{
    public const string SectionName = "Engine:Encryption";

    /// <summary>Key-encryption keys by id ("2026-01": base64 of 32 bytes).</summary>
    public Dictionary<string, string> Keys { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The id in <see cref="Keys"/> that wraps new and rewrapped data keys.</summary>
    public string? ActiveKeyId { get; set; }
}
