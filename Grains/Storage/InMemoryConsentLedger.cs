namespace Engine.Grains.Storage;

/// <summary>The consent ledger of the embedded, single-process engine. Nothing survives a restart.</summary>
public sealed class InMemoryConsentLedger : IConsentLedger
{
    private readonly List<ConsentLedgerEntry> _entries = [];
    private readonly HashSet<string> _ids = [];
    private readonly Lock _gate = new();

    public Task AppendAsync(IReadOnlyList<ConsentLedgerEntry> entries, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _entries.AddRange(entries.Where(entry => _ids.Add(entry.EntryId)));
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<ConsentLedgerEntry>> ReadAsync(string tenantId, string leadPhone, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<ConsentLedgerEntry> history = _entries
                .Where(e => e.TenantId == tenantId && e.LeadPhone == leadPhone)
                .OrderBy(e => e.OccurredAt)
                .ToArray();
            return Task.FromResult(history);
        }
    }
}
