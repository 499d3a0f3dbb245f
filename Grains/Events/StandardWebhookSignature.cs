using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;

namespace Engine.Grains.Events;

/// <summary>
/// Signs deliveries to partners by the Standard Webhooks convention, so a partner can verify them with
/// any of that project's libraries: "webhook-id" is the event id (the same on every retry, so the partner
/// can drop repeats), "webhook-timestamp" the attempt's unix seconds (so it can refuse replays), and
/// "webhook-signature" is "v1," + base64 HMAC-SHA256 over "{id}.{timestamp}.{body}", keyed with the
/// base64-decoded part of a "whsec_" secret.
/// </summary>
public static class StandardWebhookSignature
{
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";

    private const string SecretPrefix = "whsec_";

    /// <summary>A subscription's secret: 32 random bytes (the convention asks for 24 to 64).</summary>
    public static string NewSecret() => SecretPrefix + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));

    /// <summary>Adds the three headers for one delivery attempt of <paramref name="body"/>.</summary>
    public static void Sign(HttpRequestHeaders headers, string secret, string id, DateTimeOffset attemptedAt, string body)
    {
        var timestamp = attemptedAt.ToUnixTimeSeconds();
        headers.Add(IdHeader, id);
        headers.Add(TimestampHeader, timestamp.ToString(System.Globalization.CultureInfo.InvariantCulture));
        headers.Add(SignatureHeader, "v1," + Convert.ToBase64String(HMACSHA256.HashData(KeyOf(secret), Encoding.UTF8.GetBytes($"{id}.{timestamp}.{body}"))));
    }

    // Secrets made before the prefix (64 hex digits) are valid base64 as they stand, and the stock
    // libraries decode an unprefixed secret the same way, so those subscriptions still verify.
    private static byte[] KeyOf(string secret) =>
        Convert.FromBase64String(secret.StartsWith(SecretPrefix, StringComparison.Ordinal) ? secret[SecretPrefix.Length..] : secret);
}
