using System.Text.Json;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Automation;
using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Storage.Messages;
using Engine.Grains.Storage.Consent;
using Engine.Grains.Storage.LeadHistory;

namespace Engine.Gateway.Grpc;

/// <summary>
/// Builds a person's export, the JSON document README "Data rights" > "Export" describes. Every store
/// is read in pages, so a long history costs memory for the document only.
/// </summary>
internal sealed class LeadExport(IClusterClient cluster, IConsentLedger ledger, IConversationLog conversationLog, ILeadHistory history, TimeProvider time)
{
    /// <summary>Names the document's shape; a change that is not an addition gets a new version.</summary>
    public const string Schema = "engine.lead-export.v1";

    private const int PageSize = 500;
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>The export of an existing lead, as UTF-8 JSON.</summary>
    public async Task<byte[]> BuildAsync(LeadSnapshot lead, CancellationToken cancellationToken)
    {
        var (tenantId, address) = (lead.TenantId, lead.Address);
        var events = await ReadEventsAsync(tenantId, address, cancellationToken);
        var statuses = events
            .Where(e => e.Data.TryGetProperty("messageId", out _) && e.Data.TryGetProperty("status", out _))
            .ToLookup(e => e.Data.GetProperty("messageId").GetString(), e => new
            {
                status = e.Data.GetProperty("status").GetString(),
                at = e.Data.TryGetProperty("at", out var at) && at.ValueKind == JsonValueKind.String ? at.GetDateTimeOffset() : e.OccurredAt,
            });
        var document = new
        {
            schema = Schema,
            exportedAt = time.GetUtcNow(),
            tenantId,
            lead = new
            {
                address,
                phone = lead.Identity?.PhoneNumber,
                whatsappUserId = lead.Identity?.WhatsAppUserId,
                whatsappParentUserId = lead.Identity?.WhatsAppParentUserId,
                username = lead.Identity?.Username,
                name = lead.Profile.Name,
                email = lead.Profile.Email,
                timeZone = lead.Profile.TimeZone,
                tags = lead.Profile.Tags,
                attributes = lead.Profile.Attributes,
                createdAt = lead.CreatedAt,
            },
            consent = lead.Consent.Select(c => new
            {
                channel = c.Channel.ToWireName(), status = c.Status.ToWireName(), source = c.Source.ToWireName(), evidence = c.Evidence, changedAt = c.ChangedAt,
            }),
            consentLedger = (await ReadLedgerAsync(tenantId, address, cancellationToken)).Select(e => new
            {
                entryId = e.EntryId, channel = e.Channel.ToWireName(), previousStatus = e.PreviousStatus.ToWireName(), status = e.Status.ToWireName(),
                source = e.Source.ToWireName(), evidence = e.Evidence, occurredAt = e.OccurredAt, recordedAt = e.RecordedAt,
                superseded = e.Outcome == ConsentOutcome.Superseded,
            }),
            messages = (await ReadMessagesAsync(tenantId, address, cancellationToken)).Select(m => new
            {
                messageId = m.MessageId, channel = m.Channel.ToWireName(), direction = m.Direction.ToWireName(), provider = m.Provider.ToWireName(),
                providerMessageId = m.ProviderMessageId, type = m.MessageType, body = m.Body, template = m.Template, purpose = m.Purpose.ToWireName(),
                status = m.Status.ToWireName(), errorCode = m.ErrorCode, occurredAt = m.OccurredAt,
                statusHistory = statuses[m.MessageId.ToString()].ToArray(),
            }),
            automation = new
            {
                runs = (await cluster.GetGrain<IAutomationGrain>(GrainKeys.Lead(tenantId, address)).GetRunsAsync()).Select(r => new
                {
                    runId = r.RunId, playbookId = r.PlaybookId, channel = r.Channel.ToWireName(), nextStep = r.NextStep, nextDueAt = r.NextDueAt, startedAt = r.StartedAt,
                }),
                firings = (await history.ReadFiringsAsync(tenantId, address, cancellationToken)).Select(f => new
                {
                    runId = f.RunId, step = f.Step, playbookId = f.PlaybookId, dueAt = f.DueAt, firedAt = f.FiredAt, messageId = f.MessageId, outcome = f.Outcome,
                }),
            },
            events = events.Select(e => new { eventId = e.EventId, type = e.Type, subject = e.Subject, cursor = e.Cursor, occurredAt = e.OccurredAt, data = e.Data }),
        };
        return JsonSerializer.SerializeToUtf8Bytes(document, Json);
    }

    private async Task<List<MessageRecord>> ReadMessagesAsync(string tenantId, string address, CancellationToken cancellationToken)
    {
        var messages = new List<MessageRecord>();
        foreach (var channel in Enum.GetValues<Channel>())
        {
            MessageCursor? after = null;
            while (true)
            {
                var page = await conversationLog.ReadConversationAsync(tenantId, address, channel, after, PageSize, cancellationToken);
                messages.AddRange(page);
                if (page.Count < PageSize)
                {
                    break;
                }

                after = new MessageCursor(page[^1].OccurredAt, page[^1].MessageId);
            }
        }

        return [.. messages.OrderBy(m => m.OccurredAt).ThenBy(m => m.MessageId)];
    }

    private async Task<List<ConsentLedgerEntry>> ReadLedgerAsync(string tenantId, string address, CancellationToken cancellationToken)
    {
        var entries = new List<ConsentLedgerEntry>();
        for (long after = 0; ;)
        {
            var page = await ledger.ReadAsync(tenantId, address, after, PageSize, cancellationToken);
            entries.AddRange(page);
            if (page.Count < PageSize)
            {
                return entries;
            }

            after = page[^1].Sequence;
        }
    }

    private async Task<List<(string EventId, string Type, string Subject, long? Cursor, DateTimeOffset OccurredAt, JsonElement Data)>> ReadEventsAsync(
        string tenantId, string address, CancellationToken cancellationToken)
    {
        var events = new List<(string, string, string, long?, DateTimeOffset, JsonElement)>();
        for (long after = 0; ;)
        {
            var page = await history.ReadEventsAsync(tenantId, address, after, PageSize, cancellationToken);
            events.AddRange(page.Select(e => (e.EventId, e.Type, e.Subject, e.Cursor, e.OccurredAt, JsonSerializer.Deserialize<JsonElement>(e.DataJson))));
            if (page.Count < PageSize)
            {
                return events;
            }

            after = page[^1].Sequence;
        }
    }
}
