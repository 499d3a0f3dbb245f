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
/// <see cref="ClientKeyed"/> marks an id chosen by a client (an idempotency key), which a client may
/// mistakenly reuse for different content: such a reuse is refused rather than ignored.
/// </summary>
[GenerateSerializer, Immutable, Alias("engine.consent-change.v1")]
public sealed record class ConsentChange(
    [property: Id(0)] string ChangeId,
    [property: Id(1)] Channel? Channel,
    [property: Id(2)] ConsentStatus Status,
    [property: Id(3)] ConsentSource Source,
    [property: Id(4)] string? Evidence,
    [property: Id(5)] DateTimeOffset OccurredAt,
    [property: Id(6)] bool ClientKeyed = false)
{
    /// <summary>
    /// What the change says, so a replay can be told from a reuse of its id. The time is left out: a
    /// client retrying without occurred_at gets a new default time for the same change.
    /// </summary>
    public string Fingerprint => $"{Channel?.ToWireName() ?? "all"}|{Status.ToWireName()}|{Source.ToWireName()}|{Evidence}";
}

/// <summary>What became of a consent change.</summary>
public enum ConsentOutcome
{
    /// <summary>The change is now the lead's consent.</summary>
    Applied = 0,

    /// <summary>Nothing new (a replay, or the same status again); nothing was recorded.</summary>
    Unchanged = 1,

    /// <summary>Older than the lead's current consent: kept in the ledger as superseded, state unchanged.</summary>
    Superseded = 2,

    /// <summary>Not allowed (a business opt-in over the person's revocation); see the reason.</summary>
    Refused = 3,

    /// <summary>The change id was used before with different content.</summary>
    Conflict = 4,
}

/// <summary>The lead after a consent change, and what became of the change.</summary>
[GenerateSerializer, Immutable, Alias("engine.consent-result.v1")]
public sealed record class ConsentResult(
    [property: Id(0)] Leads.LeadSnapshot Lead,
    [property: Id(1)] ConsentOutcome Outcome,
    [property: Id(2)] string? Reason = null);
