using Engine.Grains.Abstractions.Erasure;

namespace Engine.Grains.Erasure;

/// <summary>
/// Where every erasure is recorded: who asked, for which tenant, under which erasure id, and what was
/// removed, as a structured log line (never the address); the gateway writes the audit-log entry.
/// </summary>
public sealed partial class ErasureAudit(ILogger<ErasureAudit> logger)
{
    public void Started(ErasureJob job) => LogStarted(logger, job.TenantId, job.AddressHash, job.RequestedBy, job.RequestedAt);

    public void Finished(ErasureJob job, LeadErasure erasure)
    {
        var total = erasure.Removed.Values.Sum();
        var removed = string.Join(", ", erasure.Removed.OrderBy(r => r.Key, StringComparer.Ordinal).Select(r => $"{r.Key}={r.Value}"));
        LogFinished(logger, job.TenantId, job.AddressHash, job.RequestedBy, total, removed);
    }

    [LoggerMessage(EventId = 2601, EventName = "LeadErasureStarted", Level = LogLevel.Information,
        Message = "Erasure {ErasureId} of tenant {TenantId} started, requested by {RequestedBy} at {RequestedAt}")]
    private static partial void LogStarted(ILogger logger, string tenantId, string erasureId, string requestedBy, DateTimeOffset requestedAt);

    [LoggerMessage(EventId = 2602, EventName = "LeadErased", Level = LogLevel.Information,
        Message = "Erasure {ErasureId} of tenant {TenantId} (requested by {RequestedBy}) finished: {RemovedTotal} records removed ({Removed})")]
    private static partial void LogFinished(ILogger logger, string tenantId, string erasureId, string requestedBy, int removedTotal, string removed);
}
