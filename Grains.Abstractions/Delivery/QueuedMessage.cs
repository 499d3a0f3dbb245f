using Engine.Grains.Abstractions.Conversations;

namespace Engine.Grains.Abstractions.Delivery;

/// <summary>
/// An outbound message waiting for its sender. <see cref="AttemptedAt"/> is set when a hand-off to the
/// provider began and its outcome was never recorded (a crash or a timeout). <see cref="TraceParent"/>
/// is the W3C trace context that queued it, so the hand-off joins that trace; a message reloaded from
/// the log has none.
/// </summary>
[GenerateSerializer, Immutable, Alias("engine.queued-message.v1")]
public sealed record class QueuedMessage(
    [property: Id(0)] Guid MessageId,
    [property: Id(1)] string LeadPhone,
    [property: Id(2)] string? Body,
    [property: Id(3)] TemplateRef? Template,
    [property: Id(4)] DateTimeOffset QueuedAt,
    [property: Id(5)] DateTimeOffset? AttemptedAt = null,
    [property: Id(6)] int Attempts = 0,
    [property: Id(7)] OutboundPurpose Purpose = OutboundPurpose.Standard,
    [property: Id(8)] string? TraceParent = null,
    [property: Id(9)] IReadOnlyList<Engine.Grains.Abstractions.Messages.MediaAttachment>? Media = null);
