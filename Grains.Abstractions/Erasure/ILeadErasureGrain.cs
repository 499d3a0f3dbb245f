namespace Engine.Grains.Abstractions.Erasure;

/// <summary>
/// Erases one person of one tenant. Key: the lead's key, "{tenant}/{address}" (see
/// <see cref="GrainKeys.Lead"/>). Holds no state of its own: the erasure job row is the durable record,
/// so a crash half-way is finished by the next call or by the erasure resumer's reminder.
/// </summary>
[Alias("engine.lead-erasure")]
public interface ILeadErasureGrain : IGrainWithStringKey
{
    /// <summary>
    /// Removes everything the engine keeps about the person but a hashed suppression record;
    /// <paramref name="requestedBy"/> (an API key id) goes into the audit.
    /// </summary>
    [Alias("erase")]
    Task<LeadErasure> EraseAsync(string requestedBy);
}

/// <summary>How an erasure request ended.</summary>
public enum ErasureOutcome
{
    /// <summary>The person's records were removed by this call (or a resumed one).</summary>
    Erased,

    /// <summary>The person had been erased already; nothing was left to remove.</summary>
    AlreadyErased,

    /// <summary>The engine knows nothing about this address.</summary>
    NotFound,

    /// <summary>Erasure is not possible here: no suppression key is configured (Engine:SuppressionKey).</summary>
    NotConfigured,
}

/// <summary>
/// The result of an erasure: its id (the keyed hash of the address, which is also the suppression
/// record's key), when it finished and how many records it removed from each store.
/// </summary>
[GenerateSerializer, Immutable, Alias("engine.lead-erasure.v1")]
public sealed record class LeadErasure(
    [property: Id(0)] ErasureOutcome Outcome,
    [property: Id(1)] string? ErasureId,
    [property: Id(2)] DateTimeOffset? ErasedAt,
    [property: Id(3)] IReadOnlyDictionary<string, int> Removed);
