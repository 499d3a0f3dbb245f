using System.Security.Cryptography;
using System.Text;

namespace Engine.Gateway.Grpc;

/// <summary>
/// API key secrets: "ek.{tenant}.{key id}.{64 hex chars}". The tenant and key id in the clear let the
/// gateway find the key without a global index; only the SHA-256 of the whole secret is stored.
/// </summary>
internal static class ApiKeySecrets
{
    private const string Prefix = "ek";

    public static (string KeyId, string Secret, string Sha256) Create(string tenantId)
    {
        var keyId = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(6));
        var secret = $"{Prefix}.{tenantId}.{keyId}.{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32))}";
        return (keyId, secret, Sha256(secret));
    }

    public static bool TryParse(string secret, out string tenantId, out string keyId)
    {
        var parts = secret.Split('.');
        (tenantId, keyId) = parts.Length == 4 && parts[0] == Prefix ? (parts[1], parts[2]) : ("", "");
        return parts.Length == 4 && parts[0] == Prefix && parts[3].Length == 64;
    }

    public static string Sha256(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));
}
