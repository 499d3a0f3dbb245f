using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Abstractions.Events;
using Engine.Grains.Events;
using Engine.Grains.Storage.Events;

namespace Engine.Grains.Storage.Consent;

/// <summary>The consent ledger of the embedded, single-process engine. Nothing survives a restart.</summary>
public sealed class InMemoryConsentLedger(IEventLog events, TimeProvider time) : IConsentLedger
{
    private readonly List<ConsentLedgerEntry> _entries = [];
    private readonly HashSet<(string, string, string)> _ids = [];
    private readonly Lock _gate = new();

    /// <summary>Erasure: removes a lead's entries; returns how many.</summary>
    public int RemoveLead(string tenantId, string leadPhone)
    {
        lock (_gate)
        {
            _ids.RemoveWhere(id => id.Item1 == tenantId && id.Item2 == leadPhone);
            return _entries.RemoveAll(e => e.TenantId == tenantId && e.LeadPhone == leadPhone);
        }
    }

    public async Task AppendAsync(IReadOnlyList<ConsentLedgerEntry> entries, CancellationToken cancellationToken = default)
    {
        List<ConsentLedgerEntry> added = [];
        lock (_gate)
        {
            foreach (var entry in entries.Where(e => _ids.Add((e.TenantId, e.LeadPhone, e.EntryId))))
            {
                var stored = entry with { Sequence = _entries.Count + 1, RecordedAt = time.GetUtcNow() };
                _entries.Add(stored);
                added.Add(stored);
            }
        }

        foreach (var entry in added)
        {
            await events.AppendAsync(new EventDraft($"{EventTypes.ConsentChanged}/{entry.TenantId}/{entry.LeadPhone}/{entry.EntryId}", entry.TenantId,
                EventTypes.ConsentChanged, entry.LeadPhone, entry.LeadPhone, entry.OccurredAt, EventJson.Serialize(new
                {
                    phone = entry.LeadPhone, channel = entry.Channel.ToWireName(), previousStatus = entry.PreviousStatus.ToWireName(),
                    status = entry.Status.ToWireName(), source = entry.Source.ToWireName(), evidence = entry.Evidence,
                    outcome = ConsentLedgerNames.Outcome(entry.Outcome),
                })), cancellationToken);
        }
    }

    public Task<IReadOnlyList<ConsentLedgerEntry>> ReadAsync(
        string tenantId, string leadPhone, long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<ConsentLedgerEntry> page = _entries
                .Where(e => e.TenantId == tenantId && e.LeadPhone == leadPhone && e.Sequence > afterSequence)
                .Take(limit)
                .ToArray();
            return Task.FromResult(page);
        }
    }

    public Task<string?> FindFingerprintAsync(string tenantId, string leadPhone, string changeId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return Task.FromResult(_entries.FirstOrDefault(e => e.TenantId == tenantId && e.LeadPhone == leadPhone && e.ChangeId == changeId)?.Fingerprint);
        }
    }
}
