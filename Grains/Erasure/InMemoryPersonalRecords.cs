using Engine.Grains.Storage.EarlyStatuses;
using Engine.Grains.Storage.LeadDirectory;
using Engine.Grains.Storage.Messages;
using Engine.Grains.Storage.SendRequests;
using Microsoft.Extensions.DependencyInjection;
using Engine.Grains.Storage.Automation;
using Engine.Grains.Storage.Consent;
using Engine.Grains.Storage.DeadLetters;
using Engine.Grains.Storage.Events;
using Engine.Grains.Storage.RejectedWebhooks;

namespace Engine.Grains.Erasure;

/// <summary>
/// Removes a person from the embedded engine's in-memory stores (grain state and reminders are in
/// memory too, and go with the grains' own erase). Under one lock, so erasures do not interleave.
/// </summary>
public sealed class InMemoryPersonalRecords(
    InMemoryMessageTable messages,
    InMemoryConsentLedger ledger,
    InMemorySendRequests sendRequests,
    InMemoryAutomationLog automationLog,
    InMemoryEventLog events,
    InMemoryDeadLetterStore deadLetters,
    InMemoryEarlyStatuses earlyStatuses,
    InMemoryLeadDirectory leadDirectory,
    IServiceProvider services) : IPersonalRecords
{
    private readonly Lock _gate = new();

    public async Task<RemovedRecords> RemoveAsync(ErasureScope scope, EventDraft erased, CancellationToken cancellationToken = default)
    {
        var counts = new Dictionary<string, int>(scope.Job.Removed ?? new Dictionary<string, int>());
        void Add(string store, int removed) => counts[store] = counts.GetValueOrDefault(store) + removed;
        lock (_gate)
        {
            var (tenantId, address) = (scope.TenantId, scope.Address);
            var rows = messages.RemoveLead(tenantId, address);
            Add("message_log", rows.Count);
            Add("early_statuses", earlyStatuses.RemoveFor(tenantId, [.. rows.Select(r => r.ProviderMessageId).OfType<string>()]));
            Add("consent_ledger", ledger.RemoveLead(tenantId, address));
            Add("send_requests", sendRequests.RemoveLead(tenantId, address));
            Add("automation_firings", automationLog.RemoveLead(tenantId, address));
            Add("lead_directory", leadDirectory.RemoveLead(tenantId, address));
            var removedEvents = events.RemoveLead(tenantId, address);
            Add("events", removedEvents.Count);
            Add("webhook_dead_letters", deadLetters.RemoveEvents(tenantId, [.. removedEvents]));

            // The gateway registers the rejected-webhook log; in the embedded engine it shares this container.
            if (services.GetService<IRejectedWebhookLog>() is InMemoryRejectedWebhookLog rejected)
            {
                Add("rejected_webhooks", rejected.RemoveMentioning(tenantId, scope.SearchTerms));
            }
        }

        await events.AppendAsync(erased, cancellationToken);
        return new RemovedRecords(counts, []);
    }
}
