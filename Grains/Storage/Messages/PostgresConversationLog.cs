using System.Text.Json;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Encryption;
using Engine.Grains.Events;
using Engine.Grains.Policies;
using Npgsql;
using NpgsqlTypes;

namespace Engine.Grains.Storage.Messages;

/// <summary>
/// The conversation log in PostgreSQL's message_log table. Bodies, and the events that carry them, are
/// stored sealed with the tenant's data key.
/// </summary>
public sealed class PostgresConversationLog(NpgsqlDataSource dataSource, IEventNotifier notifier, PayloadCipher cipher) : IConversationLog
{
    public async Task<bool> TryAppendAsync(MessageRecord record, CancellationToken cancellationToken = default)
    {
        // The message and its event in one statement: neither is ever stored without the other.
        var evt = EventJson.OfMessage(record);
        await using var command = dataSource.CreateCommand("""
            WITH inserted AS (
                INSERT INTO message_log
                    (message_id, tenant_id, lead_phone, channel, direction, provider, provider_message_id,
                     message_type, body_sealed, status, status_rank, error_code, occurred_at, template, purpose)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $19)
                ON CONFLICT DO NOTHING
                RETURNING 1
            ), evt AS (
                INSERT INTO events (event_id, tenant_id, type, subject, lead_phone, occurred_at, data_sealed)
                SELECT $15, $2, $16, $17, $3, $13, $18 FROM inserted WHERE $15::text IS NOT NULL
                ON CONFLICT (event_id) DO NOTHING
            )
            SELECT count(*) FROM inserted
            """);
        command.Parameters.Add(new() { Value = record.MessageId });
        command.Parameters.Add(new() { Value = record.TenantId });
        command.Parameters.Add(new() { Value = record.LeadPhone });
        command.Parameters.Add(new() { Value = record.Channel.ToWireName() });
        command.Parameters.Add(new() { Value = record.Direction.ToWireName() });
        command.Parameters.Add(new() { Value = record.Provider.ToWireName() });
        command.Parameters.Add(new() { Value = (object?)record.ProviderMessageId ?? DBNull.Value });
        command.Parameters.Add(new() { Value = record.MessageType });
        command.Parameters.Add(new() { Value = (object?)await cipher.SealAsync(record.TenantId, PayloadCipher.MessageBody, record.Body) ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
        command.Parameters.Add(new() { Value = record.Status.ToWireName() });
        command.Parameters.Add(new() { Value = DeliveryStatusPolicy.RankOf(record.Status) });
        command.Parameters.Add(new() { Value = (object?)record.ErrorCode ?? DBNull.Value });
        command.Parameters.Add(new() { Value = record.OccurredAt.ToUniversalTime() });
        command.Parameters.Add(new() { Value = record.Template is { } template ? JsonSerializer.Serialize(template) : DBNull.Value, NpgsqlDbType = NpgsqlDbType.Jsonb });
        command.Parameters.Add(new() { Value = (object?)evt?.EventId ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)evt?.Type ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)evt?.Subject ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)await cipher.SealAsync(record.TenantId, PayloadCipher.EventData, evt?.DataJson) ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Bytea });
        command.Parameters.Add(new() { Value = record.Purpose.ToWireName() });
        var inserted = (long)(await command.ExecuteScalarAsync(cancellationToken))! == 1;
        if (inserted && evt is not null)
        {
            notifier.Notify(record.TenantId);
        }

        return inserted;
    }

    public async Task<Guid?> AdvanceStatusAsync(string tenantId, StatusReport report, CancellationToken cancellationToken = default)
    {
        // The rank comparison happens in the UPDATE itself, so concurrent reports cannot regress a row.
        var target = report.MessageId is null
            ? "provider = $2 AND provider_message_id = $3"
            : "message_id = $8 AND (provider_message_id IS NULL OR (provider = $2 AND provider_message_id = $3))";
        await using var command = dataSource.CreateCommand($"""
            WITH updated AS (
                UPDATE message_log
                SET status = $4, status_rank = $5, error_code = COALESCE($6, error_code), updated_at = now(),
                    provider = $2, provider_message_id = $3
                WHERE tenant_id = $1 AND {target} AND status_rank < $5
                RETURNING *
            )
            """ + MessageEventSql.StatusEventCte("$7") + """
            SELECT message_id FROM updated
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = report.Provider.ToWireName() });
        command.Parameters.Add(new() { Value = report.ProviderMessageId });
        command.Parameters.Add(new() { Value = report.Status.ToWireName() });
        command.Parameters.Add(new() { Value = DeliveryStatusPolicy.RankOf(report.Status) });
        command.Parameters.Add(new() { Value = (object?)report.ErrorCode ?? DBNull.Value });
        command.Parameters.Add(new() { Value = (object?)EventJson.TypeOfStatus(report.Status) ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        if (report.MessageId is { } messageId)
        {
            command.Parameters.Add(new() { Value = messageId });
        }

        var moved = await command.ExecuteScalarAsync(cancellationToken) as Guid?;
        if (moved is not null)
        {
            notifier.Notify(tenantId);
        }

        return moved;
    }

    public async Task<bool> AdvanceStatusByIdAsync(Guid messageId, DeliveryStatus status, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            WITH updated AS (
                UPDATE message_log SET status = $2, status_rank = $3, updated_at = now()
                WHERE message_id = $1 AND status_rank < $3
                RETURNING *
            )
            """ + MessageEventSql.StatusEventCte("$4") + """
            SELECT tenant_id FROM updated
            """);
        command.Parameters.Add(new() { Value = messageId });
        command.Parameters.Add(new() { Value = status.ToWireName() });
        command.Parameters.Add(new() { Value = DeliveryStatusPolicy.RankOf(status) });
        command.Parameters.Add(new() { Value = (object?)EventJson.TypeOfStatus(status) ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        if (await command.ExecuteScalarAsync(cancellationToken) is string tenantId)
        {
            notifier.Notify(tenantId);
            return true;
        }

        return false;
    }

    public async Task<IReadOnlyList<Guid>> CancelWaitingAsync(
        string tenantId, string leadPhone, IReadOnlyCollection<Channel> channels, string reason, CancellationToken cancellationToken = default)
    {
        // attempted_at set means a hand-off is under way: that one is the sender's to finish.
        await using var command = dataSource.CreateCommand("""
            WITH updated AS (
                UPDATE message_log
                SET status = $4, status_rank = $5, error_code = $6, updated_at = now()
                WHERE tenant_id = $1 AND lead_phone = $2 AND channel = ANY($3) AND direction = 'outbound'
                  AND status IN ('queued', 'scheduled') AND attempted_at IS NULL
                RETURNING *
            )
            """ + MessageEventSql.StatusEventCte("$7") + """
            SELECT message_id FROM updated
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = leadPhone });
        command.Parameters.Add(new() { Value = channels.Select(c => c.ToWireName()).ToArray() });
        command.Parameters.Add(new() { Value = DeliveryStatus.Canceled.ToWireName() });
        command.Parameters.Add(new() { Value = DeliveryStatusPolicy.RankOf(DeliveryStatus.Canceled) });
        command.Parameters.Add(new() { Value = reason });
        command.Parameters.Add(new() { Value = EventJson.TypeOfStatus(DeliveryStatus.Canceled)!, NpgsqlDbType = NpgsqlDbType.Text });
        var canceled = new List<Guid>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken))
            {
                canceled.Add(reader.GetGuid(0));
            }
        }

        if (canceled.Count > 0)
        {
            notifier.Notify(tenantId);
        }

        return canceled;
    }

    public async Task<IReadOnlyDictionary<string, DateTimeOffset>> LastInboundAtAsync(
        string tenantId, Channel channel, IReadOnlyCollection<string> leadPhones, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT lead_phone, max(occurred_at) FROM message_log
            WHERE tenant_id = $1 AND lead_phone = ANY($2) AND channel = $3 AND direction = 'inbound'
            GROUP BY lead_phone
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = leadPhones.ToArray() });
        command.Parameters.Add(new() { Value = channel.ToWireName() });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var last = new Dictionary<string, DateTimeOffset>(StringComparer.Ordinal);
        while (await reader.ReadAsync(cancellationToken))
        {
            last[reader.GetString(0)] = reader.GetFieldValue<DateTimeOffset>(1);
        }

        return last;
    }

    public async Task<IReadOnlyList<MessageRecord>> ReadConversationAsync(
        string tenantId, string leadPhone, Channel channel, MessageCursor? after, int limit,
        CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT message_id, direction, provider, provider_message_id, message_type, body, status, error_code, occurred_at, template::text, purpose, body_sealed
            FROM message_log
            WHERE tenant_id = $1 AND lead_phone = $2 AND channel = $3
              AND ($4::timestamptz IS NULL OR (occurred_at, message_id) < ($4, $5))
            ORDER BY occurred_at DESC, message_id DESC
            LIMIT $6
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = leadPhone });
        command.Parameters.Add(new() { Value = channel.ToWireName() });
        command.Parameters.Add(new() { Value = (object?)after?.OccurredAt.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = after?.MessageId ?? Guid.Empty });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var records = new List<MessageRecord>();
        while (await reader.ReadAsync(cancellationToken))
        {
            records.Add(new MessageRecord(
                reader.GetGuid(0),
                tenantId,
                leadPhone,
                channel,
                reader.GetString(1) == "inbound" ? Direction.Inbound : Direction.Outbound,
                Enum.Parse<Provider>(reader.GetString(2), ignoreCase: true),
                reader.IsDBNull(3) ? null : reader.GetString(3),
                reader.GetString(4),
                await cipher.OpenBodyAsync(tenantId, reader.IsDBNull(11) ? null : reader.GetFieldValue<byte[]>(11), reader.IsDBNull(5) ? null : reader.GetString(5)),
                Enum.Parse<DeliveryStatus>(reader.GetString(6), ignoreCase: true),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.GetFieldValue<DateTimeOffset>(8),
                reader.IsDBNull(9) ? null : JsonSerializer.Deserialize<TemplateRef>(reader.GetString(9)),
                PurposeNames.ParsePurpose(reader.GetString(10))));
        }

        return records;
    }

    public async Task<IReadOnlyList<ConversationActivity>> ListConversationsAsync(
        string tenantId, ConversationCursor? after, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT lead_phone, channel, max(occurred_at) AS last_activity, count(*)
            FROM message_log
            WHERE tenant_id = $1
            GROUP BY lead_phone, channel
            HAVING $2::timestamptz IS NULL OR (max(occurred_at), lead_phone, channel) < ($2, $3, $4)
            ORDER BY last_activity DESC, lead_phone DESC, channel DESC
            LIMIT $5
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = (object?)after?.LastActivityAt.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = after?.LeadPhone ?? "" });
        command.Parameters.Add(new() { Value = after?.Channel.ToWireName() ?? "" });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var page = new List<ConversationActivity>();
        while (await reader.ReadAsync(cancellationToken))
        {
            page.Add(new ConversationActivity(reader.GetString(0), ChannelNames.Parse(reader.GetString(1)), reader.GetFieldValue<DateTimeOffset>(2), reader.GetInt64(3)));
        }

        return page;
    }
}
