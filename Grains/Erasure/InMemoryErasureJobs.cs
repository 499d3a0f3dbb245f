using System.Collections.Concurrent;

namespace Engine.Grains.Erasure;

/// <summary>Erasure jobs and suppression records of the embedded engine, in memory.</summary>
public sealed class InMemoryErasureJobs : IErasureJobs, ISuppressionList
{
    private readonly ConcurrentDictionary<(string, string), ErasureJob> _jobs = new();
    private readonly ConcurrentDictionary<(string, string), IReadOnlyList<Suppression>> _suppressions = new();
    private readonly Lock _gate = new();

    public Task<ErasureJob?> FindAsync(string tenantId, string addressHash, CancellationToken cancellationToken = default) =>
        Task.FromResult(_jobs.GetValueOrDefault((tenantId, addressHash)));

    public Task<ErasureJob> BeginAsync(ErasureJob job, IReadOnlyList<Suppression> suppressions, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var key = (job.TenantId, job.AddressHash);
            if (_jobs.TryGetValue(key, out var stored) && !stored.IsFinished)
            {
                return Task.FromResult(stored);
            }

            var kept = _suppressions.GetValueOrDefault(key) ?? [];
            _suppressions[key] = [.. kept.Where(k => suppressions.All(s => s.Channel != k.Channel)), .. suppressions];
            _jobs[key] = job;
            return Task.FromResult(job);
        }
    }

    public Task FinishAsync(string tenantId, string addressHash, IReadOnlyDictionary<string, int> removed, DateTimeOffset finishedAt, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var key = (tenantId, addressHash);
            _jobs[key] = _jobs[key] with { LeadAddress = null, Identifiers = [], FinishedAt = finishedAt, Removed = removed, StreamCursors = [] };
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ErasureJob>> ListUnfinishedAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<ErasureJob>>([.. _jobs.Values.Where(j => !j.IsFinished && j.RequestedAt < before).OrderBy(j => j.RequestedAt).Take(limit)]);

    Task<IReadOnlyList<Suppression>> ISuppressionList.FindAsync(string tenantId, string addressHash, CancellationToken cancellationToken) =>
        Task.FromResult(_suppressions.GetValueOrDefault((tenantId, addressHash)) ?? []);
}
