using System.Security.Cryptography;
using System.Text;
using Engine.Grains.Abstractions.Messages;

namespace Engine.Grains.Storage;

/// <summary>
/// Message ids derived from what makes a message unique, so that a retried write of the same
/// message carries the same id and the log's primary key turns it into a no-op.
/// </summary>
public static class MessageIds
{
    /// <summary>The id of a message a provider delivered to us.</summary>
    public static Guid ForProviderMessage(string tenantId, Provider provider, string providerMessageId) =>
        FromName($"provider/{tenantId}/{provider.ToWireName()}/{providerMessageId}");

    /// <summary>The id of an outbound message the engine creates on behalf of something else.</summary>
    public static Guid ForDerivedMessage(string tenantId, string cause) => FromName($"derived/{tenantId}/{cause}");

    // Name-based (RFC 9562 version 8, custom) id from SHA-256; stable across processes and releases.
    private static Guid FromName(string name)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(name), hash);
        var bytes = hash[..16];
        bytes[6] = (byte)((bytes[6] & 0x0F) | 0x80);
        bytes[8] = (byte)((bytes[8] & 0x3F) | 0x80);
        return new Guid(bytes, bigEndian: true);
    }
}
