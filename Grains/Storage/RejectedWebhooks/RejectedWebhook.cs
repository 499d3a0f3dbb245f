using System.Security.Cryptography;
using System.Text;
using Engine.Grains.Abstractions.Messages;

namespace Engine.Grains.Storage.RejectedWebhooks;

/// <summary>
/// One webhook item the gateway could not use: what arrived (<see cref="Raw"/>, the item's JSON or a
/// Twilio form as JSON), its <see cref="Kind"/> ("message", "status" or "inbound"), a short
/// <see cref="Code"/> for metrics and a <see cref="Reason"/> for people.
/// </summary>
public sealed record RejectedWebhook(
    string Id,
    string TenantId,
    Provider Provider,
    string Kind,
    string Code,
    string Reason,
    string Raw,
    bool RawTruncated,
    DateTimeOffset ReceivedAt)
{
    /// <summary>The most of an item that is kept; Meta allows 3 MB per POST, and one item is rarely 1 KiB.</summary>
    public const int MaxRawBytes = 64 * 1024;

    /// <summary>The most of a reason that is kept (reasons quote the offending value).</summary>
    public const int MaxReasonLength = 1_000;

    /// <summary>
    /// A rejection with its bounds applied and an id derived from the tenant, provider, kind and item,
    /// so the same item posted again is the same row. The time is cut to microseconds, as PostgreSQL
    /// keeps it, so every store pages the same way.
    /// </summary>
    public static RejectedWebhook Create(
        string tenantId, Provider provider, string kind, string code, string reason, string raw, DateTimeOffset receivedAt)
    {
        var (keptRaw, truncated) = Cap(raw);
        var id = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{tenantId}\n{provider.ToWireName()}\n{kind}\n{raw}")).AsSpan(0, 16));
        var at = receivedAt.ToUniversalTime();
        return new RejectedWebhook(
            id, tenantId, provider, kind, code, reason.Length > MaxReasonLength ? reason[..MaxReasonLength] : reason,
            keptRaw, truncated, at.AddTicks(-(at.Ticks % TimeSpan.TicksPerMicrosecond)));
    }

    private static (string Raw, bool Truncated) Cap(string raw)
    {
        if (Encoding.UTF8.GetMaxByteCount(raw.Length) <= MaxRawBytes || Encoding.UTF8.GetByteCount(raw) <= MaxRawBytes)
        {
            return (raw, false);
        }

        var bytes = Encoding.UTF8.GetBytes(raw);
        var cut = MaxRawBytes;
        while ((bytes[cut] & 0xC0) == 0x80)
        {
            cut--; // back to the first byte of a character, so none is split
        }

        return (Encoding.UTF8.GetString(bytes, 0, cut), true);
    }
}
