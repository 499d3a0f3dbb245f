using System.Security.Cryptography;
using System.Text;

namespace Engine.Simulator;

/// <summary>X-Hub-Signature-256: "sha256=" + lower-case hex HMAC-SHA256 of the raw body, keyed with the app secret.</summary>
public static class MetaSignature
{
    private const string Prefix = "sha256=";

    /// <summary>The header value Meta would send for this body.</summary>
    public static string Compute(string appSecret, ReadOnlySpan<byte> body) =>
        Prefix + Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(appSecret), body));

    /// <summary>True when <paramref name="header"/> is the signature of exactly these bytes.</summary>
    public static bool IsValid(string appSecret, ReadOnlySpan<byte> body, string? header) =>
        header is { Length: 71 } && header.StartsWith(Prefix, StringComparison.Ordinal) &&
        CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Compute(appSecret, body)), Encoding.ASCII.GetBytes(header.ToLowerInvariant()));
}
