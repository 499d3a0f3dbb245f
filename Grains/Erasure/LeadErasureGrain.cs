using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Automation;
using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Delivery;
using Engine.Grains.Abstractions.Erasure;
using Engine.Grains.Abstractions.Events;
using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Events;
using Engine.Grains.Policies;
using Engine.Grains.Storage.Messages;
using Engine.Grains.Storage.Events;

namespace Engine.Grains.Erasure;

/// <summary>
/// Erases one person in steps that are each safe to repeat: the job row (with the suppression
/// records) first, then waiting sends canceled, the person's grains cleared, every stored record
/// removed in one transaction with lead.erased, the event stream entries deleted, and the job
/// finished. A crash anywhere is finished by the next EraseLead or by <see cref="ErasureResumerGrain"/>.
/// </summary>
[GrainType("lead-erasure")]
internal sealed class LeadErasureGrain(
    IErasureJobs jobs,
    IPersonalRecords records,
    IConversationLog conversationLog,
    IEventNotifier notifier,
    AddressHasher hasher,
    ErasureAudit audit,
    TimeProvider time) : Grain, ILeadErasureGrain
{
    private static readonly Channel[] AllChannels = Enum.GetValues<Channel>();
    private static readonly IReadOnlyDictionary<string, int> Nothing = new Dictionary<string, int>();

    public async Task<LeadErasure> EraseAsync(string requestedBy)
    {
        if (!hasher.IsConfigured)
        {
            return new LeadErasure(ErasureOutcome.NotConfigured, null, null, Nothing);
        }

        var (tenantId, address) = GrainKeys.ParseLead(this.GetPrimaryKeyString());
        var hash = hasher.Hash(tenantId, address);
        var job = await jobs.FindAsync(tenantId, hash);
        if (job is not { IsFinished: false })
        {
            var lead = await GrainFactory.GetGrain<ILeadGrain>(GrainKeys.Lead(tenantId, address)).GetAsync();
            if (!lead.Exists)
            {
                return job is null
                    ? new LeadErasure(ErasureOutcome.NotFound, null, null, Nothing)
                    : new LeadErasure(ErasureOutcome.AlreadyErased, hash, job.FinishedAt, job.Removed ?? Nothing);
            }

            // The resumer's reminder before the job row: no job is left unfinished without a wake-up.
            await GrainFactory.GetGrain<IErasureResumerGrain>(0).WatchAsync();
            job = await jobs.BeginAsync(new ErasureJob(tenantId, hash, address, IdentifiersOf(lead), requestedBy, time.GetUtcNow()), SuppressionsOf(lead));
            audit.Started(job);
        }

        return await FinishAsync(job);
    }

    private async Task<LeadErasure> FinishAsync(ErasureJob job)
    {
        var (tenantId, address) = (job.TenantId, job.LeadAddress!);

        // Nothing waiting may leave: canceled first, so a sender that still holds one in memory drops it
        // (and one that reloads its queue finds it no longer queued).
        var canceled = await conversationLog.CancelWaitingAsync(tenantId, address, AllChannels, HandOffPolicy.Erased);
        if (canceled.Count > 0)
        {
            await Task.WhenAll(AllChannels.Select(c => GrainFactory.GetGrain<ISenderGrain>(GrainKeys.Sender(tenantId, c)).WithdrawAsync(canceled)));
        }

        var leadKey = GrainKeys.Lead(tenantId, address);
        var conversationKeys = AllChannels.Select(c => GrainKeys.Conversation(tenantId, address, c)).ToArray();
        var userKeys = job.Identifiers.Where(LeadAddress.IsWhatsAppUserId).Select(id => GrainKeys.WhatsAppUser(tenantId, id)).ToArray();
        await Task.WhenAll([
            GrainFactory.GetGrain<IAutomationGrain>(leadKey).EraseAsync(),
            .. conversationKeys.Select(key => GrainFactory.GetGrain<IConversationGrain>(key).EraseAsync()),
            .. userKeys.Select(key => GrainFactory.GetGrain<IWhatsAppUserGrain>(key).EraseAsync()),
        ]);
        await GrainFactory.GetGrain<ILeadGrain>(leadKey).EraseAsync(); // last: the others read the lead while they stop

        var scope = new ErasureScope(
            job,
            [leadKey, .. conversationKeys, .. userKeys],
            [GrainId.Create("automation", leadKey).ToString(), .. conversationKeys.Select(key => GrainId.Create("conversation", key).ToString())],
            [.. new[] { address }.Concat(job.Identifiers).SelectMany(SearchTermsOf).Distinct(StringComparer.Ordinal)]);
        var removed = await records.RemoveAsync(scope, ErasedEvent(job));
        var counts = new Dictionary<string, int>(removed.Counts);
        if (removed.StreamCursors.Count > 0)
        {
            counts["event_stream"] = counts.GetValueOrDefault("event_stream")
                + await GrainFactory.GetGrain<IEventRelayGrain>(tenantId).ForgetAsync(removed.StreamCursors);
        }

        var now = time.GetUtcNow();
        var finishedAt = now.AddTicks(-(now.Ticks % 10)); // microseconds, as the job row keeps it: a repeated call answers the same

        await jobs.FinishAsync(tenantId, job.AddressHash, counts, finishedAt);
        notifier.Notify(tenantId);
        var erasure = new LeadErasure(ErasureOutcome.Erased, job.AddressHash, finishedAt, counts);
        audit.Finished(job, erasure);
        return erasure;
    }

    // What partners need to find their copy, and nothing they could read the person from directly.
    private static EventDraft ErasedEvent(ErasureJob job)
    {
        string[] identifiers = [job.LeadAddress!, .. job.Identifiers];
        return new EventDraft(job.ErasedEventId, job.TenantId, EventTypes.LeadErased, job.AddressHash, null, job.RequestedAt, EventJson.Serialize(new
        {
            erasureId = job.AddressHash,
            requestedAt = job.RequestedAt,
            phoneSha256 = identifiers.Where(LeadAddress.IsPhoneNumber).Select(AddressHasher.PartnerMatchHash).FirstOrDefault(),
            whatsappUserIdSha256 = identifiers.Where(LeadAddress.IsWhatsAppUserId).Select(AddressHasher.PartnerMatchHash).ToArray(),
        }));
    }

    private static string[] IdentifiersOf(LeadSnapshot lead) =>
        [.. new[] { lead.Identity?.PhoneNumber, lead.Identity?.WhatsAppUserId, lead.Identity?.WhatsAppParentUserId }
            .OfType<string>().Where(id => id != lead.Address).Distinct(StringComparer.Ordinal)];

    private static Suppression[] SuppressionsOf(LeadSnapshot lead) =>
        [.. lead.Consent.Where(c => c.Status == ConsentStatus.OptedOut).Select(c => new Suppression(c.Channel, c.Source, c.ChangedAt))];

    // A number appears in payloads as E.164, without '+' (WhatsApp wa_id, URL-encoded forms) or in
    // national form; the national digits are inside all three.
    private static IEnumerable<string> SearchTermsOf(string identifier) =>
        LeadAddress.IsPhoneNumber(identifier) ? [PhoneNumberNormalizer.NationalNumber(identifier)] : [identifier];
}
