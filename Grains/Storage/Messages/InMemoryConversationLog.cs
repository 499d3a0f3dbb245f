using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Messages;

namespace Engine.Grains.Storage.Messages;

/// <summary>The conversation log of the embedded, single-process engine.</summary>
public sealed class InMemoryConversationLog(InMemoryMessageTable table) : IConversationLog
{
    public async Task<bool> TryAppendAsync(MessageRecord record, CancellationToken cancellationToken = default)
    {
        lock (table.Gate)
        {
            if (table.TryGet(record.MessageId, out _) ||
                (record.ProviderMessageId is { } providerId && table.TryFindByProviderId(record.TenantId, record.Provider, providerId, out _)))
            {
                return false;
            }

            table.Put(record);
        }

        await table.EmitStoredAsync(record, cancellationToken);
        return true;
    }

    public async Task<Guid?> AdvanceStatusAsync(string tenantId, StatusReport report, CancellationToken cancellationToken = default)
    {
        MessageRecord? moved = null;
        lock (table.Gate)
        {
            if (FindReported(tenantId, report) is { } messageId)
            {
                moved = table.TryAdvance(messageId, report.Status, report.ErrorCode);
                if (moved is { ProviderMessageId: null })
                {
                    moved = moved with { Provider = report.Provider, ProviderMessageId = report.ProviderMessageId };
                    table.Put(moved);
                }
            }
        }

        if (moved is null)
        {
            return null;
        }

        await table.EmitStatusChangeAsync(moved, cancellationToken);
        return moved.MessageId;
    }

    // By the engine's id when the report carries it (and no other provider id was recorded), else by the provider's.
    private Guid? FindReported(string tenantId, StatusReport report)
    {
        if (report.MessageId is { } id)
        {
            return table.TryGet(id, out var row) && row.TenantId == tenantId
                && (row.ProviderMessageId is null || (row.Provider == report.Provider && row.ProviderMessageId == report.ProviderMessageId))
                ? id
                : null;
        }

        return table.TryFindByProviderId(tenantId, report.Provider, report.ProviderMessageId, out var messageId) ? messageId : null;
    }

    public async Task<bool> AdvanceStatusByIdAsync(Guid messageId, DeliveryStatus status, CancellationToken cancellationToken = default)
    {
        MessageRecord? moved;
        lock (table.Gate)
        {
            moved = table.TryAdvance(messageId, status, errorCode: null);
        }

        if (moved is not null)
        {
            await table.EmitStatusChangeAsync(moved, cancellationToken);
        }

        return moved is not null;
    }

    public async Task<IReadOnlyList<Guid>> CancelWaitingAsync(
        string tenantId, string leadPhone, IReadOnlyCollection<Channel> channels, string reason, CancellationToken cancellationToken = default)
    {
        List<MessageRecord> canceled = [];
        lock (table.Gate)
        {
            foreach (var waiting in table.Rows
                .Where(m => m.TenantId == tenantId && m.LeadPhone == leadPhone && channels.Contains(m.Channel) && m.Direction == Direction.Outbound
                    && m.Status is DeliveryStatus.Queued or DeliveryStatus.Scheduled && table.AttemptedAt(m.MessageId) is null)
                .ToArray())
            {
                canceled.Add(table.TryAdvance(waiting.MessageId, DeliveryStatus.Canceled, reason)!);
            }
        }

        foreach (var record in canceled)
        {
            await table.EmitStatusChangeAsync(record, cancellationToken);
        }

        return canceled.Select(record => record.MessageId).ToArray();
    }

    public Task<IReadOnlyDictionary<string, DateTimeOffset>> LastInboundAtAsync(
        string tenantId, Channel channel, IReadOnlyCollection<string> leadPhones, CancellationToken cancellationToken = default)
    {
        IReadOnlyDictionary<string, DateTimeOffset> last = table.Rows
            .Where(m => m.TenantId == tenantId && m.Channel == channel && m.Direction == Direction.Inbound && leadPhones.Contains(m.LeadPhone))
            .GroupBy(m => m.LeadPhone, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Max(m => m.OccurredAt), StringComparer.Ordinal);
        return Task.FromResult(last);
    }

    public Task<IReadOnlyList<MessageRecord>> ReadConversationAsync(
        string tenantId, string leadPhone, Channel channel, MessageCursor? after, int limit,
        CancellationToken cancellationToken = default)
    {
        IReadOnlyList<MessageRecord> page = table.Rows
            .Where(m => m.TenantId == tenantId && m.LeadPhone == leadPhone && m.Channel == channel)
            .OrderByDescending(m => m.OccurredAt)
            .ThenByDescending(m => m.MessageId)
            .SkipWhile(m => after is { } cursor && (m.OccurredAt, m.MessageId).CompareTo((cursor.OccurredAt, cursor.MessageId)) >= 0)
            .Take(limit)
            .ToArray();
        return Task.FromResult(page);
    }

    public Task<IReadOnlyList<ConversationActivity>> ListConversationsAsync(
        string tenantId, ConversationCursor? after, int limit, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<ConversationActivity> page = table.Rows
            .Where(m => m.TenantId == tenantId)
            .GroupBy(m => (m.LeadPhone, m.Channel))
            .Select(g => new ConversationActivity(g.Key.LeadPhone, g.Key.Channel, g.Max(m => m.OccurredAt), g.LongCount()))
            .OrderByDescending(c => c.LastActivityAt)
            .ThenByDescending(c => c.LeadPhone, StringComparer.Ordinal)
            .ThenByDescending(c => c.Channel.ToWireName(), StringComparer.Ordinal)
            .SkipWhile(c => after is { } cursor && (c.LastActivityAt, c.LeadPhone, c.Channel) != (cursor.LastActivityAt, cursor.LeadPhone, cursor.Channel))
            .Skip(after is null ? 0 : 1)
            .Take(limit)
            .ToArray();
        return Task.FromResult(page);
    }
}
