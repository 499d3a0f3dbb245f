using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;

namespace Engine.Grains.Erasure;

/// <summary>
/// One person's erasure, written before anything is removed. <see cref="LeadAddress"/> and
/// <see cref="Identifiers"/> (WhatsApp user ids, a number learned later) are kept only until it
/// finishes, so a crash half-way can be finished; afterwards the row holds the hash and the counts.
/// </summary>
public sealed record ErasureJob(
    string TenantId,
    string AddressHash,
    string? LeadAddress,
    IReadOnlyList<string> Identifiers,
    string RequestedBy,
    DateTimeOffset RequestedAt,
    DateTimeOffset? FinishedAt = null,
    IReadOnlyDictionary<string, int>? Removed = null,
    IReadOnlyList<long>? StreamCursors = null)
{
    public bool IsFinished => FinishedAt is not null;

    /// <summary>lead.erased's id: one per job, so a resumed erasure emits it once.</summary>
    public string ErasedEventId => $"lead.erased/{TenantId}/{AddressHash}/{RequestedAt.ToUnixTimeMilliseconds()}";
}

/// <summary>What outlives an erasure on one channel: that the person had opted out, how and when.</summary>
public sealed record Suppression(Channel Channel, ConsentSource Source, DateTimeOffset OptedOutAt);

/// <summary>
/// Everything one erasure removes from the stores, named the ways they key it: the address and every
/// identifier (records keyed by the lead), grain storage keys and reminder grain ids (Orleans' tables),
/// and the digit strings that find the person inside rejected webhook payloads.
/// </summary>
public sealed record ErasureScope(
    ErasureJob Job,
    IReadOnlyList<string> GrainStateKeys,
    IReadOnlyList<string> ReminderGrainIds,
    IReadOnlyList<string> SearchTerms)
{
    public string TenantId => Job.TenantId;

    public string Address => Job.LeadAddress!;
}

/// <summary>What one removal pass took out, per store, and the stream cursors of the events it removed.</summary>
public sealed record RemovedRecords(IReadOnlyDictionary<string, int> Counts, IReadOnlyList<long> StreamCursors);
