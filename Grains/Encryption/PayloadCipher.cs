using System.Text;
using System.Text.Json;
using Engine.Grains.Abstractions.Messages;

namespace Engine.Grains.Encryption;

/// <summary>
/// Seals what the stores keep of a tenant's messages (bodies, event payloads that carry one) with that
/// tenant's data key. <c>purpose</c> names the column, so a value moved to another column does not open.
/// </summary>
public sealed class PayloadCipher(DataKeys keys)
{
    /// <summary>The purpose of message_log.body_sealed.</summary>
    public const string MessageBody = "message_log.body";

    /// <summary>The purpose of message_log.media_sealed.</summary>
    public const string MessageMedia = "message_log.media";

    /// <summary>The purpose of events.data_sealed.</summary>
    public const string EventData = "events.data";

    /// <summary>Sealed UTF-8 of <paramref name="text"/>, or null for null.</summary>
    public async ValueTask<byte[]?> SealAsync(string tenantId, string purpose, string? text) =>
        text is null ? null : SealedBox.Seal(await keys.GetAsync(tenantId), Encoding.UTF8.GetBytes(text), Encoding.UTF8.GetBytes(purpose));

    /// <summary>The text inside <paramref name="sealedText"/>.</summary>
    public async ValueTask<string> OpenAsync(string tenantId, string purpose, byte[] sealedText) =>
        Encoding.UTF8.GetString(SealedBox.Open(await keys.GetAsync(tenantId), sealedText, Encoding.UTF8.GetBytes(purpose)));

    /// <summary>Sealed JSON of a message's media, or null when it has none.</summary>
    public ValueTask<byte[]?> SealMediaAsync(string tenantId, IReadOnlyList<MediaAttachment>? media) =>
        SealAsync(tenantId, MessageMedia, media is { Count: > 0 } ? JsonSerializer.Serialize(media) : null);

    /// <summary>A message's media from <see cref="SealMediaAsync"/>.</summary>
    public async ValueTask<IReadOnlyList<MediaAttachment>?> OpenMediaAsync(string tenantId, byte[]? sealedMedia) =>
        sealedMedia is null ? null : JsonSerializer.Deserialize<MediaAttachment[]>(await OpenAsync(tenantId, MessageMedia, sealedMedia));

    /// <summary>A stored message body: <paramref name="sealedBody"/>, or the clear one of a row written before encryption.</summary>
    public async ValueTask<string?> OpenBodyAsync(string tenantId, byte[]? sealedBody, string? clearBody) =>
        sealedBody is null ? clearBody : await OpenAsync(tenantId, MessageBody, sealedBody);

    /// <summary>A stored event payload: <paramref name="sealedData"/>, or the clear JSON of an event without a body.</summary>
    public async ValueTask<string> OpenEventDataAsync(string tenantId, byte[]? sealedData, string? clearData) =>
        sealedData is null ? clearData ?? "{}" : await OpenAsync(tenantId, EventData, sealedData);
}
