namespace Engine.Grains.Abstractions.Messages;

/// <summary>
/// A picture, document, recording or video on a message, as a reference only (the engine never fetches
/// the bytes): Twilio gives a URL and content type; Meta gives a media id, mime type and SHA-256, and a
/// caption (or a filename for documents).
/// </summary>
[GenerateSerializer, Immutable, Alias("engine.media-attachment.v1")]
public sealed record class MediaAttachment(
    [property: Id(0)] string? Url,
    [property: Id(1)] string? ContentType,
    [property: Id(2)] string? ProviderMediaId = null,
    [property: Id(3)] string? Caption = null,
    [property: Id(4)] string? Sha256 = null,
    [property: Id(5)] string? Filename = null);
