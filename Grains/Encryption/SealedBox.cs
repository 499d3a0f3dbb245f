using System.Security.Cryptography;

namespace Engine.Grains.Encryption;

/// <summary>
/// AES-256-GCM with a random 96-bit nonce: "ENC\x01" | nonce (12) | tag (16) | ciphertext. The magic
/// lets a reader tell sealed bytes from ones written before encryption existed. The associated data
/// names what the bytes are (a column, a scope), so a value copied to another place does not open.
/// </summary>
public static class SealedBox
{
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private static ReadOnlySpan<byte> Magic => "ENC\x01"u8;
    private static readonly int HeaderSize = Magic.Length + NonceSize + TagSize;

    /// <summary>The size of a key: 32 bytes, AES-256.</summary>
    public const int KeySize = 32;

    public static byte[] Seal(byte[] key, ReadOnlySpan<byte> plaintext, ReadOnlySpan<byte> associatedData)
    {
        var sealedBytes = new byte[HeaderSize + plaintext.Length];
        var output = sealedBytes.AsSpan();
        Magic.CopyTo(output);
        var nonce = output.Slice(Magic.Length, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(key, TagSize);
        aes.Encrypt(nonce, plaintext, output[HeaderSize..], output.Slice(Magic.Length + NonceSize, TagSize), associatedData);
        return sealedBytes;
    }

    /// <summary>The plaintext; <see cref="CryptographicException"/> when the bytes were altered or sealed with another key.</summary>
    public static byte[] Open(byte[] key, ReadOnlySpan<byte> sealedBytes, ReadOnlySpan<byte> associatedData)
    {
        if (!IsSealed(sealedBytes))
        {
            throw new CryptographicException("The value is not sealed by this engine.");
        }

        var plaintext = new byte[sealedBytes.Length - HeaderSize];
        using var aes = new AesGcm(key, TagSize);
        aes.Decrypt(sealedBytes.Slice(Magic.Length, NonceSize), sealedBytes[HeaderSize..], sealedBytes.Slice(Magic.Length + NonceSize, TagSize), plaintext, associatedData);
        return plaintext;
    }

    /// <summary>True when <paramref name="bytes"/> start like a sealed value.</summary>
    public static bool IsSealed(ReadOnlySpan<byte> bytes) => bytes.Length >= HeaderSize && bytes.StartsWith(Magic);
}
