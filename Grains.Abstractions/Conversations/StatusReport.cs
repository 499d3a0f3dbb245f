using Engine.Grains.Abstractions.Messages;

namespace Engine.Grains.Abstractions.Conversations;

/// <summary>
/// A provider's delivery report for one outbound message. <see cref="MessageId"/> is the engine's own id
/// when the provider echoes it (Twilio's status callback URL, Meta's biz_opaque_callback_data): such a
/// report finds its message even before the sender has recorded the provider's id.
/// </summary>
[GenerateSerializer, Immutable, Alias("engine.status-report.v1")]
public sealed record class StatusReport(
    [property: Id(0)] Provider Provider,
    [property: Id(1)] string ProviderMessageId,
    [property: Id(2)] DeliveryStatus Status,
    [property: Id(3)] string? ErrorCode,
    [property: Id(4)] DateTimeOffset OccurredAt,
    [property: Id(5)] Guid? MessageId = null);

/// <summary>What a status report changed.</summary>
[GenerateSerializer, Immutable, Alias("engine.status-result.v1")]
public sealed record class StatusResult(
    [property: Id(0)] bool Applied,
    [property: Id(1)] bool LeadOptedOut);
