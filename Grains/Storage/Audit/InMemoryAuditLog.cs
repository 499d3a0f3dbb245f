namespace Engine.Grains.Storage.Audit;

/// <summary>The audit log of the embedded engine. Nothing survives a restart.</summary>
public sealed class InMemoryAuditLog(TimeProvider time) : IAuditLog
{
    private readonly List<AuditEntry> _entries = [];
    private readonly Lock _gate = new();

    public Task AppendAsync(string tenantId, string actorKeyId, string action, string subject, string? details, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _entries.Add(new AuditEntry(_entries.Count + 1, tenantId, actorKeyId, action, subject, details, time.GetUtcNow()));
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<AuditEntry>> ReadAsync(string tenantId, long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult<IReadOnlyList<AuditEntry>>(
                _entries.Where(e => e.TenantId == tenantId && e.Sequence > afterSequence).Take(limit).ToArray());
        }
    }
}
