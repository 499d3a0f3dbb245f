using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;

namespace Engine.Simulator;

/// <summary>
/// X-Twilio-Signature: base64 HMAC-SHA1, keyed with the account's auth token, over the full URL Twilio
/// called followed by every POST parameter as name+value in ordinal order of names (a repeated name
/// contributes each distinct value, sorted). Twilio is inconsistent about default ports, so the URL is
/// tried as given and with its port toggled. JSON bodies are signed through a bodySHA256 query value.
/// </summary>
public static partial class TwilioSignature
{
    /// <summary>The signature Twilio would send for this URL and these form parameters.</summary>
    public static string Compute(string authToken, string url, IEnumerable<KeyValuePair<string, string>> parameters)
    {
        var data = new StringBuilder(url);
        foreach (var group in parameters.GroupBy(p => p.Key, StringComparer.Ordinal).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            foreach (var value in group.Select(p => p.Value).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
            {
                data.Append(group.Key).Append(value);
            }
        }

#pragma warning disable CA5350 // SHA-1 is what Twilio's protocol specifies; we follow it, never choose it.
        var mac = HMACSHA1.HashData(Encoding.UTF8.GetBytes(authToken), Encoding.UTF8.GetBytes(data.ToString()));
#pragma warning restore CA5350
        return Convert.ToBase64String(mac);
    }

    /// <summary>True when <paramref name="signature"/> matches the URL (either port form) and parameters.</summary>
    public static bool IsValid(string authToken, string url, IReadOnlyList<KeyValuePair<string, string>> parameters, string? signature)
    {
        if (string.IsNullOrEmpty(signature))
        {
            return false;
        }

        return UrlVariants(url).Any(candidate => FixedTimeEquals(Compute(authToken, candidate, parameters), signature));
    }

    /// <summary>
    /// For application/json requests: the URL (with its bodySHA256 query value) is signed with no
    /// parameters, and bodySHA256 must be the hex SHA-256 of the raw body.
    /// </summary>
    public static bool IsValidJson(string authToken, string url, ReadOnlySpan<byte> body, string? signature)
    {
        if (!IsValid(authToken, url, [], signature))
        {
            return false;
        }

        var query = new Uri(url).Query.TrimStart('?').Split('&', StringSplitOptions.RemoveEmptyEntries);
        var declared = query.Select(pair => pair.Split('=', 2)).FirstOrDefault(kv => kv[0] == "bodySHA256")?.ElementAtOrDefault(1);
        return declared is not null && FixedTimeEquals(Convert.ToHexStringLower(SHA256.HashData(body)), declared.ToLowerInvariant());
    }

    // As given, plus the same URL with the port removed (when present) or the scheme's default added.
    // Parsed by hand rather than with Uri, which would lower-case what Twilio signs as configured.
    private static IEnumerable<string> UrlVariants(string url)
    {
        yield return url;
        var parts = UrlParts().Match(url);
        if (!parts.Success)
        {
            yield break;
        }

        var (scheme, user, host, port, rest) = (parts.Groups["scheme"].Value, parts.Groups["user"].Value,
            parts.Groups["host"].Value, parts.Groups["port"].Value, parts.Groups["rest"].Value);
        var defaultPort = scheme.Equals("https", StringComparison.OrdinalIgnoreCase) ? "443" : "80";
        yield return port.Length > 0
            ? $"{scheme}://{user}{host}{rest}"
            : $"{scheme}://{user}{host}:{defaultPort}{rest}";
    }

    [GeneratedRegex(@"^(?<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?<user>[^@/]*@)?(?<host>[^:/?#]+)(?::(?<port>\d+))?(?<rest>.*)$")]
    private static partial Regex UrlParts();

    private static bool FixedTimeEquals(string a, string b) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(a), Encoding.UTF8.GetBytes(b));
}
