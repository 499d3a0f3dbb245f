using Engine.Grains.Abstractions.Messages;

namespace Engine.Grains.Abstractions.Conversations;

/// <summary>A message as the conversation's recent window keeps it.</summary>
[GenerateSerializer, Immutable, Alias("engine.message-summary.v1")]
public sealed record class MessageSummary(
    [property: Id(0)] Guid MessageId,
    [property: Id(1)] Direction Direction,
    [property: Id(2)] string MessageType,
    [property: Id(3)] string? Body,
    [property: Id(4)] DeliveryStatus Status,
    [property: Id(5)] DateTimeOffset OccurredAt);

/// <summary>An outbound message waiting for its send time.</summary>
[GenerateSerializer, Immutable, Alias("engine.pending-send.v1")]
public sealed record class PendingSend(
    [property: Id(0)] Guid MessageId,
    [property: Id(1)] OutboundRequest Request,
    [property: Id(2)] DateTimeOffset DueAt);

/// <summary>A conversation as it stands.</summary>
[GenerateSerializer, Immutable, Alias("engine.conversation-snapshot.v1")]
public sealed record class ConversationSnapshot(
    [property: Id(0)] string TenantId,
    [property: Id(1)] string Phone,
    [property: Id(2)] Channel Channel,
    [property: Id(3)] DateTimeOffset? LastInboundAt,
    [property: Id(4)] DateTimeOffset? LastActivityAt,
    [property: Id(5)] IReadOnlyList<MessageSummary> Recent,
    [property: Id(6)] IReadOnlyList<PendingSend> Pending);
