using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;

namespace Engine.Grains.Storage.Consent;

/// <summary>
/// One consent change on one channel as the audit ledger keeps it. <see cref="EntryId"/> is unique per
/// lead; <see cref="ChangeId"/> and <see cref="Fingerprint"/> name the change and what it said.
/// </summary>
public sealed record ConsentLedgerEntry(
    string EntryId,
    string TenantId,
    string LeadPhone,
    Channel Channel,
    ConsentStatus PreviousStatus,
    ConsentStatus Status,
    ConsentSource Source,
    string? Evidence,
    DateTimeOffset OccurredAt,
    ConsentOutcome Outcome = ConsentOutcome.Applied,
    string? ChangeId = null,
    string? Fingerprint = null,
    long Sequence = 0,
    DateTimeOffset? RecordedAt = null);
