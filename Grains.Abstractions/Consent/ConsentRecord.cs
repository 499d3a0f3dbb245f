namespace Engine.Grains.Abstractions.Consent;

/// <summary>The current consent of one lead on one channel, with the evidence behind it.</summary>
[GenerateSerializer, Immutable, Alias("engine.consent-record.v1")]
public sealed record class ConsentRecord(
    [property: Id(0)] Channel Channel,
    [property: Id(1)] ConsentStatus Status,
    [property: Id(2)] ConsentSource Source,
    [property: Id(3)] string? Evidence,
    [property: Id(4)] DateTimeOffset ChangedAt);

/// <summary>
/// A request to change consent. <see cref="ChangeId"/> names the cause (an inbound message, an API
/// request) so that replaying the same change is a no-op. A null channel means every channel.
/// </summary>
[GenerateSerializer, Immutable, Alias("engine.consent-change.v1")]
public sealed record class ConsentChange(
    [property: Id(0)] string ChangeId,
    [property: Id(1)] Channel? Channel,
    [property: Id(2)] ConsentStatus Status,
    [property: Id(3)] ConsentSource Source,
    [property: Id(4)] string? Evidence,
    [property: Id(5)] DateTimeOffset OccurredAt);
