using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Abstractions.Events;
using Engine.Grains.Events;

namespace Engine.Grains.Storage;

/// <summary>The consent ledger of the embedded, single-process engine. Nothing survives a restart.</summary>
public sealed class InMemoryConsentLedger(IEventLog events) : IConsentLedger
{
    private readonly List<ConsentLedgerEntry> _entries = [];
    private readonly HashSet<string> _ids = [];
    private readonly Lock _gate = new();

    public async Task AppendAsync(IReadOnlyList<ConsentLedgerEntry> entries, CancellationToken cancellationToken = default)
    {
        ConsentLedgerEntry[] added;
        lock (_gate)
        {
            added = entries.Where(entry => _ids.Add(entry.EntryId)).ToArray();
            _entries.AddRange(added);
        }

        foreach (var entry in added)
        {
            await events.AppendAsync(new EventDraft($"{EventTypes.ConsentChanged}/{entry.EntryId}", entry.TenantId, EventTypes.ConsentChanged,
                entry.LeadPhone, entry.LeadPhone, entry.OccurredAt, EventJson.Serialize(new
                {
                    phone = entry.LeadPhone, channel = entry.Channel.ToWireName(), previousStatus = entry.PreviousStatus.ToWireName(),
                    status = entry.Status.ToWireName(), source = entry.Source.ToWireName(), evidence = entry.Evidence,
                })), cancellationToken);
        }
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
