using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Automation;
using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Abstractions.Delivery;
using Engine.Grains.Abstractions.Events;
using Engine.Grains.Erasure;
using Engine.Grains.Events;
using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Policies;
using Engine.Grains.Storage;
using Engine.Grains.Storage.Messages;
using Engine.Grains.Telemetry;
using Engine.Grains.Tenants;
using Engine.Grains.Storage.Consent;
using Engine.Grains.Storage.Events;
using Engine.Grains.Storage.LeadDirectory;

namespace Engine.Grains.Leads;

[GrainType("lead"), Orleans.Placement.PreferLocalPlacement]
internal sealed class LeadGrain(
    [PersistentState("lead", GrainStorage.Name)] IPersistentState<LeadState> state,
    IConsentLedger ledger,
    IConversationLog conversationLog,
    ILeadDirectory directory,
    IEventLog events,
    ISuppressionList suppressions,
    AddressHasher hasher,
    TenantCache tenants,
    EngineMetrics metrics,
    TimeProvider time) : Grain, ILeadGrain
{
    private const int RememberedChangeIds = 64;
    private static readonly TimeSpan LateAnnouncement = TimeSpan.FromMinutes(10);
    private static readonly Channel[] AllChannels = Enum.GetValues<Channel>();

    private IAutomationGrain Automation => GrainFactory.GetGrain<IAutomationGrain>(this.GetPrimaryKeyString());

    private string _tenantId = "";
    private string _phone = ""; // the lead's address: its number, or its WhatsApp user id
    private (string? Number, IReadOnlyList<string> Zones) _numberTimeZones = (null, []);
    private LeadListing? _listed; // the directory row this activation last wrote

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_tenantId, _phone) = GrainKeys.ParseLead(this.GetPrimaryKeyString());
        if (!state.State.Exists && hasher.IsConfigured)
        {
            // An erased person who had opted out is opted out again from their first new contact on:
            // the record is kept in state from here, and stored when the lead is created.
            foreach (var suppression in await suppressions.FindAsync(_tenantId, hasher.Hash(_tenantId, _phone), cancellationToken))
            {
                state.State.Consent[suppression.Channel] = new ConsentRecord(suppression.Channel, ConsentStatus.OptedOut, suppression.Source,
                    $"opted out on {suppression.OptedOutAt:yyyy-MM-dd}; kept on the suppression list when the person's records were erased",
                    suppression.OptedOutAt);
            }
        }
    }

    public async Task EraseAsync()
    {
        if (state.RecordExists)
        {
            await state.ClearStateAsync();
        }

        state.State = new LeadState();
        DeactivateOnIdle(); // the next activation reads the suppression list
    }

    public async Task<LeadUpsert> UpsertAsync(LeadProfilePatch patch)
    {
        await AnnounceCreationIfPendingAsync(); // a retry finishes what a failure after the creation left
        var created = !state.State.Exists;
        var profile = Apply(state.State.Profile, patch);
        var identity = state.State.Identity.Merge(patch.Identity);
        if (!created && profile == state.State.Profile && identity == state.State.Identity)
        {
            return new LeadUpsert(false, Snapshot()); // nothing changed, nothing written
        }

        var stageChanged = profile.Stage != state.State.Profile.Stage;
        // Asked before the state changes, so a failure here leaves the lead as it was.
        var hasPlaybooks = (created || stageChanged) && await tenants.HasPlaybooksAsync(_tenantId);
        state.State.Exists = true;
        state.State.CreatedAt ??= time.GetUtcNow();
        state.State.Profile = profile;
        state.State.Identity = identity;
        if (created)
        {
            state.State.CreationPending = hasPlaybooks;
            await WriteStateAsync(alongsideRow: LeadEvent(EventTypes.LeadCreated)); // before the state, as in RecordConsentAsync
            await AnnounceCreationIfPendingAsync();
            return new LeadUpsert(true, Snapshot());
        }

        await WriteStateAsync();
        await events.AppendAsync(LeadEvent(EventTypes.LeadUpdated));
        if (stageChanged && hasPlaybooks)
        {
            await Automation.StageChangedAsync(profile.Stage);
        }

        return new LeadUpsert(false, Snapshot());
    }

    public Task<LeadSnapshot> GetAsync() => Task.FromResult(Snapshot());

    public async Task<ConsentResult> RecordConsentAsync(ConsentChange change)
    {
        await AnnounceCreationIfPendingAsync(); // a retry finishes what a failure after the creation left
        if (await ReplayOfAsync(change) is { } replay)
        {
            if (replay.Outcome == ConsentOutcome.Unchanged && change.Status == ConsentStatus.OptedOut)
            {
                await WithdrawWaitingAsync(ChannelsOf(change), change.Channel); // a retry finishes what a failure left
            }

            return replay;
        }

        var decisions = ChannelsOf(change)
            .Select(channel => (Channel: channel, Current: state.State.Consent.GetValueOrDefault(channel)))
            .Select(c => (c.Channel, c.Current, Transition: ConsentPolicy.Decide(c.Current, change)))
            .ToArray();

        // All or nothing: a change refused on one channel changes no channel.
        if (decisions.FirstOrDefault(d => d.Transition.Outcome == ConsentOutcome.Refused) is { Transition.Reason: { } refusal })
        {
            return new ConsentResult(Snapshot(), ConsentOutcome.Refused, refusal);
        }

        var entries = decisions
            .Where(d => d.Transition.Outcome is ConsentOutcome.Applied or ConsentOutcome.Superseded)
            .Select(d => new ConsentLedgerEntry(
                $"{change.ChangeId}/{d.Channel.ToWireName()}", _tenantId, _phone, d.Channel,
                d.Current?.Status ?? ConsentStatus.Unknown, change.Status, change.Source, change.Evidence, change.OccurredAt,
                d.Transition.Outcome, change.ChangeId, change.Fingerprint))
            .ToArray();

        // Ledger first: if the state write below fails, the retry decides the change again (see
        // ReplayOfAsync) and the ledger keeps the entries it already has.
        await ledger.AppendAsync(entries);
        var created = !state.State.Exists;
        var applied = decisions.Where(d => d.Transition.Outcome == ConsentOutcome.Applied).Select(d => d.Channel).ToArray();
        var optedOut = change.Status == ConsentStatus.OptedOut && applied.Length > 0;
        var announce = created && !optedOut && await tenants.HasPlaybooksAsync(_tenantId); // before the state changes
        foreach (var channel in applied)
        {
            state.State.Consent[channel] = new ConsentRecord(channel, change.Status, change.Source, change.Evidence, change.OccurredAt);
        }

        state.State.Exists = true;
        state.State.CreatedAt ??= time.GetUtcNow();
        Remember(change);
        state.State.CreationPending |= announce;
        // lead.created has one id per lead: written before the state, a retry after a failure between
        // the two writes it again as a no-op instead of never.
        await WriteStateAsync(alongsideRow: created && !optedOut ? LeadEvent(EventTypes.LeadCreated) : null);
        foreach (var channel in applied)
        {
            metrics.ConsentChanged(channel, change.Status, change.Source);
        }

        if (optedOut)
        {
            await WithdrawWaitingAsync(applied, change.Channel);
        }
        else
        {
            await AnnounceCreationIfPendingAsync();
        }

        var outcome = applied.Length > 0 ? ConsentOutcome.Applied
            : entries.Length > 0 ? ConsentOutcome.Superseded
            : ConsentOutcome.Unchanged;
        return new ConsentResult(Snapshot(), outcome, decisions.Select(d => d.Transition.Reason).FirstOrDefault(r => r is not null));
    }

    // Nothing queued, scheduled or automated may reach the lead on those channels after the opt-out
    // returns; the caller sends the STOP confirmation only after this.
    private async Task WithdrawWaitingAsync(IReadOnlyCollection<Channel> channels, Channel? automationScope)
    {
        var canceled = await conversationLog.CancelWaitingAsync(_tenantId, _phone, channels, HandOffPolicy.OptedOut);
        if (canceled.Count > 0)
        {
            await Task.WhenAll(channels.Select(channel => GrainFactory.GetGrain<ISenderGrain>(GrainKeys.Sender(_tenantId, channel)).WithdrawAsync(canceled)));
        }

        if (await tenants.HasPlaybooksAsync(_tenantId))
        {
            await Automation.OptedOutAsync(automationScope);
        }
    }

    private async Task<ConsentResult?> ReplayOfAsync(ConsentChange change)
    {
        if (state.State.RecentChangeIds.Contains(change.ChangeId))
        {
            return state.State.ChangeFingerprints.GetValueOrDefault(change.ChangeId) is { } remembered && remembered != change.Fingerprint
                ? Conflict(change)
                : new ConsentResult(Snapshot(), ConsentOutcome.Unchanged);
        }

        // Known to the ledger only: the ledger is written before the state, so the attempt that wrote it
        // may have stopped short of the state write (its silo died). The change is then decided again
        // against the state; the ledger keeps one row per entry id, and the policy refuses or supersedes
        // a change that later ones have overtaken.
        if (change.ClientKeyed && await ledger.FindFingerprintAsync(_tenantId, _phone, change.ChangeId) is { } stored && stored != change.Fingerprint)
        {
            return Conflict(change);
        }

        return null;
    }

    private ConsentResult Conflict(ConsentChange change) =>
        new(Snapshot(), ConsentOutcome.Conflict, $"the id '{change.ChangeId}' was already used for a different consent change");

    // Starts the lead-created playbooks of a lead whose creation was stored but not yet announced. One
    // that was never retried is announced by the lead's next call only if that comes soon: a speed-to-lead
    // message days after the lead arrived would be wrong, so a late one is dropped.
    private async Task AnnounceCreationIfPendingAsync()
    {
        if (!state.State.CreationPending)
        {
            return;
        }

        if (time.GetUtcNow() - state.State.CreatedAt <= LateAnnouncement)
        {
            await Automation.LeadCreatedAsync(state.State.CreatedAt!.Value);
        }

        state.State.CreationPending = false;
        await WriteStateAsync();
    }

    // The directory row first, then the state: a retry after a failure between the two (decided again,
    // see ReplayOfAsync) writes both again, so the row is never behind what is stored. An event that must
    // also come before the state (lead.created) is written in the row's statement, so a new lead waits for
    // two batched writes in a row, one of each.
    private async Task WriteStateAsync(EventDraft? alongsideRow = null)
    {
        await this.WriteOrDeactivateAsync(() => ListAsync(alongsideRow));
        await this.WriteOrDeactivateAsync(state.WriteStateAsync);
    }

    private async Task ListAsync(EventDraft? alongside)
    {
        var lead = state.State;
        var listing = new LeadListing(_tenantId, _phone, lead.CreatedAt!.Value, lead.Profile.Tags, lead.Profile.Stage,
            lead.Consent.GetValueOrDefault(Channel.Sms)?.Status ?? ConsentStatus.Unknown, lead.Consent.GetValueOrDefault(Channel.WhatsApp)?.Status ?? ConsentStatus.Unknown);
        if (listing != _listed || alongside is not null)
        {
            await directory.WriteAsync(listing, alongside);
            _listed = listing;
        }
    }

    private static Channel[] ChannelsOf(ConsentChange change) => change.Channel is { } only ? [only] : AllChannels;

    private void Remember(ConsentChange change)
    {
        state.State.RecentChangeIds.Add(change.ChangeId);
        state.State.ChangeFingerprints[change.ChangeId] = change.Fingerprint;
        if (state.State.RecentChangeIds.Count > RememberedChangeIds)
        {
            state.State.ChangeFingerprints.Remove(state.State.RecentChangeIds[0]);
            state.State.RecentChangeIds.RemoveAt(0);
        }
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

    private LeadSnapshot Snapshot()
    {
        var identity = state.State.Identity;
        identity = LeadAddress.IsPhoneNumber(_phone)
            ? identity with { PhoneNumber = _phone }
            : identity with { WhatsAppUserId = identity.WhatsAppUserId ?? (identity.WhatsAppParentUserId == _phone ? null : _phone) };
        return new(
            _tenantId,
            _phone,
            state.State.Exists,
            state.State.Profile,
            state.State.Consent.Values.OrderBy(c => c.Channel).ToArray(),
            state.State.Profile.TimeZone is { } zone ? [zone] : NumberTimeZones(identity.PhoneNumber),
            state.State.CreatedAt,
            identity);
    }

    // A lead known only by a WhatsApp user id has no zones until its number is learned; quiet hours
    // then use the tenant's default zone.
    private IReadOnlyList<string> NumberTimeZones(string? number)
    {
        if (number is null)
        {
            return [];
        }

        if (_numberTimeZones.Number != number)
        {
            _numberTimeZones = (number, PhoneNumberNormalizer.TimeZonesOf(number));
        }

        return _numberTimeZones.Zones;
    }

    private static LeadProfile Apply(LeadProfile profile, LeadProfilePatch patch) => new(
        patch.Name is null || (patch.NameOnlyIfMissing && profile.Name is not null) ? profile.Name : patch.Name,
        patch.Email ?? profile.Email,
        patch.TimeZone ?? profile.TimeZone,
        patch.Tags ?? profile.Tags,
        patch.Attributes ?? profile.Attributes);
}
