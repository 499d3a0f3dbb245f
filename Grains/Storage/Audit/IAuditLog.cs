namespace Engine.Grains.Storage.Audit;

/// <summary>The append-only log of administrative actions (the audit_log table), read per tenant.</summary>
public interface IAuditLog
{
    /// <summary>Records an action; <paramref name="details"/> must hold no secret and no message body.</summary>
    Task AppendAsync(string tenantId, string actorKeyId, string action, string subject, string? details, CancellationToken cancellationToken = default);

    /// <summary>The tenant's entries after <paramref name="afterSequence"/>, oldest first.</summary>
    Task<IReadOnlyList<AuditEntry>> ReadAsync(string tenantId, long afterSequence, int limit, CancellationToken cancellationToken = default);
}
