using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Automation;
using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Abstractions.Events;
using Engine.Grains.Events;
using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Hosting;
using Engine.Grains.Policies;
using Engine.Grains.Storage;

namespace Engine.Grains.Leads;

[GrainType("lead")]
internal sealed class LeadGrain(
    [PersistentState("lead", EngineHostingExtensions.StorageName)] IPersistentState<LeadState> state,
    IConsentLedger ledger,
    IEventLog events,
    TimeProvider time) : Grain, ILeadGrain
{
    private const int RememberedChangeIds = 64;
    private static readonly Channel[] AllChannels = Enum.GetValues<Channel>();

    private IAutomationGrain Automation => GrainFactory.GetGrain<IAutomationGrain>(this.GetPrimaryKeyString());

    private string _tenantId = "";
    private string _phone = "";
    private IReadOnlyList<string> _numberTimeZones = [];

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_tenantId, _phone) = GrainKeys.ParseLead(this.GetPrimaryKeyString());
        _numberTimeZones = PhoneNumberNormalizer.TimeZonesOf(_phone);
        return Task.CompletedTask;
    }

    public async Task<LeadUpsert> UpsertAsync(LeadProfilePatch patch)
    {
        var created = !state.State.Exists;
        var profile = Apply(state.State.Profile, patch);
        if (!created && profile == state.State.Profile)
        {
            return new LeadUpsert(false, Snapshot()); // nothing changed, nothing written
        }

        var stageChanged = !created && Stage(profile) != Stage(state.State.Profile);
        state.State.Exists = true;
        state.State.CreatedAt ??= time.GetUtcNow();
        state.State.Profile = profile;
        await state.WriteStateAsync();
        await events.AppendAsync(LeadEvent(created ? EventTypes.LeadCreated : EventTypes.LeadUpdated));
        if (created)
        {
            await Automation.LeadCreatedAsync(state.State.CreatedAt.Value);
        }
        else if (stageChanged)
        {
            await Automation.StageChangedAsync(Stage(profile));
        }

        return new LeadUpsert(created, Snapshot());
    }

    public Task<LeadSnapshot> GetAsync() => Task.FromResult(Snapshot());

    public async Task<LeadSnapshot> RecordConsentAsync(ConsentChange change)
    {
        if (state.State.RecentChangeIds.Contains(change.ChangeId))
        {
            return Snapshot();
        }

        var channels = change.Channel is { } only ? [only] : AllChannels;
        var entries = channels
            .Select(channel => (Channel: channel, Current: state.State.Consent.GetValueOrDefault(channel)))
            .Where(c => IsNews(c.Current, change))
            .Select(c => new ConsentLedgerEntry(
                $"{change.ChangeId}/{c.Channel.ToWireName()}", _tenantId, _phone, c.Channel,
                c.Current?.Status ?? ConsentStatus.Unknown, change.Status, change.Source, change.Evidence, change.OccurredAt))
            .ToArray();

        // Ledger first: if the state write below fails, the retry finds the entries already stored.
        await ledger.AppendAsync(entries);
        var created = !state.State.Exists;
        foreach (var entry in entries)
        {
            state.State.Consent[entry.Channel] = new ConsentRecord(entry.Channel, change.Status, change.Source, change.Evidence, change.OccurredAt);
        }

        state.State.Exists = true;
        state.State.CreatedAt ??= time.GetUtcNow();
        state.State.RecentChangeIds.Add(change.ChangeId);
        if (state.State.RecentChangeIds.Count > RememberedChangeIds)
        {
            state.State.RecentChangeIds.RemoveAt(0);
        }

        await state.WriteStateAsync();
        if (change.Status == ConsentStatus.OptedOut)
        {
            await Automation.OptedOutAsync(change.Channel); // pending steps stop at once
        }
        else if (created)
        {
            await events.AppendAsync(LeadEvent(EventTypes.LeadCreated));
            await Automation.LeadCreatedAsync(state.State.CreatedAt!.Value);
        }

        return Snapshot();
    }

    // lead.created has one id per lead, so a retried creation emits it once; each update is its own event.
    private EventDraft LeadEvent(string type)
    {
        var now = time.GetUtcNow();
        var id = type == EventTypes.LeadCreated ? $"{type}/{_tenantId}/{_phone}" : $"{type}/{_tenantId}/{_phone}/{Guid.CreateVersion7(now)}";
        var profile = state.State.Profile;
        return new EventDraft(id, _tenantId, type, _phone, _phone, now, EventJson.Serialize(new
        {
            phone = _phone, name = profile.Name, email = profile.Email, timeZone = profile.TimeZone, tags = profile.Tags,
            attributes = profile.Attributes, createdAt = state.State.CreatedAt,
        }));
    }

    /// <summary>The lead's pipeline stage, kept in the "stage" attribute.</summary>
    internal static string? Stage(LeadProfile profile) => profile.Attributes.GetValueOrDefault("stage");

    // A repeated opt-out adds nothing to the audit trail; fresh evidence of an opt-in (a new form) does.
    private static bool IsNews(ConsentRecord? current, ConsentChange change) =>
        current is null
        || current.Status != change.Status
        || (change.Status == ConsentStatus.OptedIn && (current.Source, current.Evidence) != (change.Source, change.Evidence));

    private LeadSnapshot Snapshot() => new(
        _tenantId,
        _phone,
        state.State.Exists,
        state.State.Profile,
        state.State.Consent.Values.OrderBy(c => c.Channel).ToArray(),
        state.State.Profile.TimeZone is { } zone ? [zone] : _numberTimeZones,
        state.State.CreatedAt);

    private static LeadProfile Apply(LeadProfile profile, LeadProfilePatch patch) => new(
        patch.Name is null || (patch.NameOnlyIfMissing && profile.Name is not null) ? profile.Name : patch.Name,
        patch.Email ?? profile.Email,
        patch.TimeZone ?? profile.TimeZone,
        patch.Tags ?? profile.Tags,
        patch.Attributes ?? profile.Attributes);
}
