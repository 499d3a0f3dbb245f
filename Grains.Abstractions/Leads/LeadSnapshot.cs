using Engine.Grains.Abstractions.Consent;

namespace Engine.Grains.Abstractions.Leads;

/// <summary>
/// A lead as it stands; <see cref="Exists"/> is false for an address never seen. <see cref="Address"/>
/// is its key (see <see cref="LeadAddress"/>); <see cref="Identity"/> holds everything providers call it.
/// </summary>
[GenerateSerializer, Immutable, Alias("engine.lead-snapshot.v1")]
public sealed record class LeadSnapshot(
    [property: Id(0)] string TenantId,
    [property: Id(1)] string Address,
    [property: Id(2)] bool Exists,
    [property: Id(3)] LeadProfile Profile,
    [property: Id(4)] IReadOnlyList<ConsentRecord> Consent,
    [property: Id(5)] IReadOnlyList<string> TimeZones,
    [property: Id(6)] DateTimeOffset? CreatedAt,
    [property: Id(7)] LeadIdentity? Identity = null)
{
    /// <summary>The consent status on a channel (Unknown when nothing was recorded).</summary>
    public ConsentStatus ConsentOn(Channel channel) => ConsentRecordOn(channel)?.Status ?? ConsentStatus.Unknown;

    /// <summary>The consent record on a channel, or null when nothing was recorded.</summary>
    public ConsentRecord? ConsentRecordOn(Channel channel) => Consent.FirstOrDefault(c => c.Channel == channel);
}

/// <summary>The outcome of an upsert: whether the call created the lead.</summary>
[GenerateSerializer, Immutable, Alias("engine.lead-upsert.v1")]
public sealed record class LeadUpsert(
    [property: Id(0)] bool Created,
    [property: Id(1)] LeadSnapshot Lead);
