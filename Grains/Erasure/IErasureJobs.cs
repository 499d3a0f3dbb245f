using Engine.Grains.Storage.Events;
namespace Engine.Grains.Erasure;

/// <summary>The erasure jobs and the suppression records they leave, as the erasure grains keep them.</summary>
public interface IErasureJobs
{
    /// <summary>The tenant's job for this address hash (finished or not), or null.</summary>
    Task<ErasureJob?> FindAsync(string tenantId, string addressHash, CancellationToken cancellationToken = default);

    /// <summary>
    /// Starts <paramref name="job"/> with its suppression records in one transaction, unless a job for
    /// the hash is unfinished (then that one is returned, to be finished); a finished one is reopened.
    /// </summary>
    Task<ErasureJob> BeginAsync(ErasureJob job, IReadOnlyList<Suppression> suppressions, CancellationToken cancellationToken = default);

    /// <summary>Marks the job finished with its counts and forgets its address and identifiers.</summary>
    Task FinishAsync(string tenantId, string addressHash, IReadOnlyDictionary<string, int> removed, DateTimeOffset finishedAt, CancellationToken cancellationToken = default);

    /// <summary>Unfinished jobs requested before <paramref name="before"/>, oldest first.</summary>
    Task<IReadOnlyList<ErasureJob>> ListUnfinishedAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken = default);
}

/// <summary>Suppression records by address hash, as lead grains read them when an erased person comes back.</summary>
public interface ISuppressionList
{
    Task<IReadOnlyList<Suppression>> FindAsync(string tenantId, string addressHash, CancellationToken cancellationToken = default);
}

/// <summary>
/// Removes a person's records from the engine's own tables (and Orleans' grain and reminder rows) in
/// one transaction, together with writing lead.erased and the job's progress: after a failure nothing
/// is half-removed, and a repeat removes what is left (nothing, when the first one committed).
/// </summary>
public interface IPersonalRecords
{
    Task<RemovedRecords> RemoveAsync(ErasureScope scope, EventDraft erased, CancellationToken cancellationToken = default);
}
