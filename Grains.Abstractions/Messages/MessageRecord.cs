namespace Engine.Grains.Abstractions.Messages;

/// <summary>One row of the message log.</summary>
[GenerateSerializer, Immutable, Alias("engine.message-record.v1")]
public sealed record class MessageRecord(
    [property: Id(0)] Guid MessageId,
    [property: Id(1)] string TenantId,
    [property: Id(2)] string LeadPhone,
    [property: Id(3)] Channel Channel,
    [property: Id(4)] Direction Direction,
    [property: Id(5)] Provider Provider,
    [property: Id(6)] string? ProviderMessageId,
    [property: Id(7)] string MessageType,
    [property: Id(8)] string? Body,
    [property: Id(9)] DeliveryStatus Status,
    [property: Id(10)] string? ErrorCode,
    [property: Id(11)] DateTimeOffset OccurredAt,
    [property: Id(12)] Conversations.TemplateRef? Template = null,
    [property: Id(13)] Conversations.OutboundPurpose Purpose = Conversations.OutboundPurpose.Standard,
    [property: Id(14)] IReadOnlyList<MediaAttachment>? Media = null);
