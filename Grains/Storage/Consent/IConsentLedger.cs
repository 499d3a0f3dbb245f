namespace Engine.Grains.Storage.Consent;

/// <summary>The append-only audit trail of consent. Appending an entry id twice stores it once.</summary>
public interface IConsentLedger
{
    /// <summary>Appends the entries that are not stored yet, in one transaction, each with its consent.changed event.</summary>
    Task AppendAsync(IReadOnlyList<ConsentLedgerEntry> entries, CancellationToken cancellationToken = default);

    /// <summary>A page of a lead's consent history in the order it was recorded, after <paramref name="afterSequence"/>.</summary>
    Task<IReadOnlyList<ConsentLedgerEntry>> ReadAsync(
        string tenantId, string leadPhone, long afterSequence, int limit, CancellationToken cancellationToken = default);

    /// <summary>The fingerprint recorded with a change id of the lead, or null when the id is not in the ledger.</summary>
    Task<string?> FindFingerprintAsync(string tenantId, string leadPhone, string changeId, CancellationToken cancellationToken = default);
}
