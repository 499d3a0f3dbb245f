using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;

namespace Engine.Grains.Storage;

/// <summary>One consent change as the audit ledger keeps it.</summary>
public sealed record ConsentLedgerEntry(
    string EntryId,
    string TenantId,
    string LeadPhone,
    Channel Channel,
    ConsentStatus PreviousStatus,
    ConsentStatus Status,
    ConsentSource Source,
    string? Evidence,
    DateTimeOffset OccurredAt);

/// <summary>The append-only audit trail of consent. Appending an entry id twice stores it once.</summary>
public interface IConsentLedger
{
    /// <summary>Appends the entries that are not stored yet, in one transaction.</summary>
    Task AppendAsync(IReadOnlyList<ConsentLedgerEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>A lead's consent history, oldest first.</summary>
    Task<IReadOnlyList<ConsentLedgerEntry>> ReadAsync(string tenantId, string leadPhone, CancellationToken cancellationToken = default);
}
