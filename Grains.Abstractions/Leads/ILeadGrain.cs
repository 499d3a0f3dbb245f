using Engine.Grains.Abstractions.Consent;

namespace Engine.Grains.Abstractions.Leads;

/// <summary>One person of one tenant. Key: "{tenant}/{e164}", see <see cref="GrainKeys.Lead"/>.</summary>
[Alias("engine.lead")]
public interface ILeadGrain : IGrainWithStringKey
{
    /// <summary>Creates the lead if needed and applies the non-null parts of the patch.</summary>
    [Alias("upsert")]
    Task<LeadUpsert> UpsertAsync(LeadProfilePatch patch);

    /// <summary>The lead, its consent and the time zones its number may be in.</summary>
    [Alias("get"), ReadOnly]
    Task<LeadSnapshot> GetAsync();

    /// <summary>
    /// Decides a consent change by <c>ConsentPolicy</c>, records it in the ledger and on the lead; a
    /// replayed change is a no-op. An opt-out cancels the lead's waiting messages on the affected
    /// channels and stops its automation before it returns.
    /// </summary>
    [Alias("record-consent")]
    Task<ConsentResult> RecordConsentAsync(ConsentChange change);

    /// <summary>Erasure: forgets this grain's stored state and reminders, then deactivates (see ILeadErasureGrain).</summary>
    [Alias("erase")]
    Task EraseAsync();
}
