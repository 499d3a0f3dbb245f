using System.Security.Cryptography;
using System.Text;

namespace Engine.Grains.Erasure;

/// <summary>
/// The one place a lead's address becomes the keyed hash that names its erasure and its suppression
/// record: HMAC-SHA256 under Engine:SuppressionKey of "{tenant}/{address}", lowercase hex. Without
/// the key, nothing can be erased (a suppression record nobody can match would not suppress).
/// </summary>
public sealed class AddressHasher(byte[]? key)
{
    public bool IsConfigured => key is not null;

    /// <summary>The keyed hash of a tenant's lead address; only when <see cref="IsConfigured"/>.</summary>
    public string Hash(string tenantId, string address) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(key ?? throw new InvalidOperationException("Engine:SuppressionKey is not configured"),
            Encoding.UTF8.GetBytes($"{tenantId}/{address}")));

    /// <summary>
    /// The plain SHA-256 of an identifier, as lead.erased carries it: partners can compute it from the
    /// number they hold to find their copy; it is not a secret (see README "Data rights").
    /// </summary>
    public static string PartnerMatchHash(string identifier) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(identifier)));

    /// <summary>A hasher with the configured key, or with a random one when <paramref name="generateIfMissing"/> (embedded engine).</summary>
    public static AddressHasher FromSettings(string? base64Key, bool generateIfMissing)
    {
        if (base64Key is not { Length: > 0 })
        {
            return new(generateIfMissing ? RandomNumberGenerator.GetBytes(32) : null);
        }

        var key = new byte[base64Key.Length];
        return Convert.TryFromBase64String(base64Key, key, out var length) && length >= 32
            ? new(key[..length])
            : throw new Hosting.EngineStartupException("Engine:SuppressionKey must be at least 32 random bytes, base64-encoded (openssl rand -base64 32)");
    }
}
