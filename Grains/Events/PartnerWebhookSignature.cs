using System.Security.Cryptography;
using System.Text;

namespace Engine.Grains.Events;

/// <summary>
/// The signature on deliveries to partners: header "Engine-Signature: t={unix seconds},v1={hex}", where
/// hex is HMAC-SHA256 with the subscription's secret over "{t}.{body}". Signing the timestamp lets the
/// partner refuse replays of old deliveries.
/// </summary>
public static class PartnerWebhookSignature
{
    public const string Header = "Engine-Signature";

    public static string Create(string secret, long unixSeconds, string body) =>
        $"t={unixSeconds},v1={Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(secret), Encoding.UTF8.GetBytes($"{unixSeconds}.{body}")))}";

    /// <summary>What a partner does: recompute and compare in constant time, within a tolerance of <paramref name="now"/>.</summary>
    public static bool Verify(string secret, string header, string body, DateTimeOffset now, TimeSpan tolerance)
    {
        var parts = header.Split(',').Select(p => p.Split('=', 2)).Where(p => p.Length == 2).ToDictionary(p => p[0], p => p[1]);
        if (!parts.TryGetValue("t", out var t) || !long.TryParse(t, System.Globalization.CultureInfo.InvariantCulture, out var seconds)
            || Math.Abs(now.ToUnixTimeSeconds() - seconds) > tolerance.TotalSeconds)
        {
            return false;
        }

        return CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(Create(secret, seconds, body)), Encoding.ASCII.GetBytes(header));
    }
}
