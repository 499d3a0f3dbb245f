using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Delivery;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Abstractions.Events;
using Engine.Grains.Events;
using Engine.Grains.Policies;
using System.Text.Json;
using Npgsql;

namespace Engine.Grains.Storage;

/// <summary>The message log in PostgreSQL's message_log table.</summary>
public sealed class PostgresMessageLog(NpgsqlDataSource dataSource, IEventNotifier notifier) : IMessageLog
{
    public async Task<bool> TryAppendAsync(MessageRecord record, CancellationToken cancellationToken = default)
    {
        // The message and its event in one statement: neither is ever stored without the other.
        var evt = EventJson.OfMessage(record);
        await using var command = dataSource.CreateCommand("""
            WITH inserted AS (
                INSERT INTO message_log
                    (message_id, tenant_id, lead_phone, channel, direction, provider, provider_message_id,
                     message_type, body, status, status_rank, error_code, occurred_at, template)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14)
                ON CONFLICT DO NOTHING
                RETURNING 1
            ), evt AS (
                INSERT INTO events (event_id, tenant_id, type, subject, lead_phone, occurred_at, data)
                SELECT $15, $2, $16, $17, $3, $13, $18::jsonb FROM inserted WHERE $15::text IS NOT NULL
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
        command.Parameters.Add(new() { Value = (object?)record.Body ?? DBNull.Value });
        command.Parameters.Add(new() { Value = record.Status.ToWireName() });
        command.Parameters.Add(new() { Value = DeliveryStatusPolicy.RankOf(record.Status) });
        command.Parameters.Add(new() { Value = (object?)record.ErrorCode ?? DBNull.Value });
        command.Parameters.Add(new() { Value = record.OccurredAt.ToUniversalTime() });
        command.Parameters.Add(new() { Value = record.Template is { } template ? JsonSerializer.Serialize(template) : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Jsonb });
        command.Parameters.Add(new() { Value = (object?)evt?.EventId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)evt?.Type ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)evt?.Subject ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = (object?)evt?.DataJson ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var inserted = (long)(await command.ExecuteScalarAsync(cancellationToken))! == 1;
        if (inserted && evt is not null)
        {
            notifier.Notify(record.TenantId);
        }

        return inserted;
    }

    // The event of a status change, built from the row the UPDATE returns ($T = type, may be null).
    private const string StatusEventCte = """
        , evt AS (
            INSERT INTO events (event_id, tenant_id, type, subject, lead_phone, occurred_at, data)
            SELECT {T} || '/' || message_id::text, tenant_id, {T}, lead_phone || '/' || channel, lead_phone, now(),
                   jsonb_build_object('messageId', message_id, 'phone', lead_phone, 'channel', channel, 'direction', direction,
                                      'provider', provider, 'providerMessageId', provider_message_id, 'messageType', message_type,
                                      'status', status, 'errorCode', error_code)
            FROM updated WHERE {T}::text IS NOT NULL
            ON CONFLICT (event_id) DO NOTHING
        )
        """;

    public async Task<Guid?> AdvanceStatusAsync(
        string tenantId, Provider provider, string providerMessageId, DeliveryStatus status, string? errorCode,
        CancellationToken cancellationToken = default)
    {
        // The rank comparison happens in the UPDATE itself, so concurrent reports cannot regress a row.
        await using var command = dataSource.CreateCommand("""
            WITH updated AS (
                UPDATE message_log
                SET status = $4, status_rank = $5, error_code = COALESCE($6, error_code), updated_at = now()
                WHERE tenant_id = $1 AND provider = $2 AND provider_message_id = $3 AND status_rank < $5
                RETURNING *
            )
            """ + StatusEventCte.Replace("{T}", "$7", StringComparison.Ordinal) + """
            SELECT message_id FROM updated
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = provider.ToWireName() });
        command.Parameters.Add(new() { Value = providerMessageId });
        command.Parameters.Add(new() { Value = status.ToWireName() });
        command.Parameters.Add(new() { Value = DeliveryStatusPolicy.RankOf(status) });
        command.Parameters.Add(new() { Value = (object?)errorCode ?? DBNull.Value });
        command.Parameters.Add(new() { Value = (object?)EventJson.TypeOfStatus(status) ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        var moved = await command.ExecuteScalarAsync(cancellationToken) as Guid?;
        if (moved is not null)
        {
            notifier.Notify(tenantId);
        }

        return moved;
    }

    public async Task<IReadOnlyList<QueuedMessage>> ReadOutboxAsync(string tenantId, Channel channel, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT message_id, lead_phone, body, template, occurred_at, attempted_at, attempts
            FROM message_log
            WHERE tenant_id = $1 AND channel = $2 AND direction = 'outbound' AND status = 'queued'
            ORDER BY occurred_at, message_id
            LIMIT $3
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = channel.ToWireName() });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<QueuedMessage>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new QueuedMessage(
                reader.GetGuid(0),
                reader.GetString(1),
                reader.IsDBNull(2) ? null : reader.GetString(2),
                reader.IsDBNull(3) ? null : JsonSerializer.Deserialize<TemplateRef>(reader.GetString(3)),
                reader.GetFieldValue<DateTimeOffset>(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                reader.GetInt16(6)));
        }

        return items;
    }

    public async Task<IReadOnlyList<(string TenantId, Channel Channel)>> ListQueuedChannelsAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "SELECT DISTINCT tenant_id, channel FROM message_log WHERE direction = 'outbound' AND status = 'queued'");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var channels = new List<(string, Channel)>();
        while (await reader.ReadAsync(cancellationToken))
        {
            channels.Add((reader.GetString(0), ChannelNames.Parse(reader.GetString(1))));
        }

        return channels;
    }

    public async Task MarkAttemptedAsync(IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE message_log SET attempted_at = now(), attempts = attempts + 1, updated_at = now() WHERE message_id = ANY($1)");
        command.Parameters.Add(new() { Value = messageIds.ToArray() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RecordAcceptedAsync(IReadOnlyList<AcceptedHandOff> accepted, CancellationToken cancellationToken = default)
    {
        if (accepted.Count == 0)
        {
            return;
        }

        // A status callback can race ahead of this write; the rank check keeps whichever is further along.
        await using var command = dataSource.CreateCommand("""
            UPDATE message_log AS m
            SET provider = a.provider, provider_message_id = a.provider_message_id, attempted_at = NULL, updated_at = now(),
                status = CASE WHEN m.status_rank < $5 THEN $4 ELSE m.status END,
                status_rank = GREATEST(m.status_rank, $5)
            FROM unnest($1::uuid[], $2::text[], $3::text[]) AS a(message_id, provider, provider_message_id)
            WHERE m.message_id = a.message_id
            """);
        command.Parameters.Add(new() { Value = accepted.Select(a => a.MessageId).ToArray() });
        command.Parameters.Add(new() { Value = accepted.Select(a => a.Provider.ToWireName()).ToArray() });
        command.Parameters.Add(new() { Value = accepted.Select(a => a.ProviderMessageId).ToArray() });
        command.Parameters.Add(new() { Value = DeliveryStatus.Sending.ToWireName() });
        command.Parameters.Add(new() { Value = DeliveryStatusPolicy.RankOf(DeliveryStatus.Sending) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task RecordFailedAsync(Guid messageId, Provider provider, string errorCode, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            WITH updated AS (
                UPDATE message_log
                SET provider = $2, status = $3, status_rank = $4, error_code = $5, attempted_at = NULL, updated_at = now()
                WHERE message_id = $1 AND status_rank < $4
                RETURNING *
            )
            """ + StatusEventCte.Replace("{T}", "$6", StringComparison.Ordinal) + """
            SELECT tenant_id FROM updated
            """);
        command.Parameters.Add(new() { Value = messageId });
        command.Parameters.Add(new() { Value = provider.ToWireName() });
        command.Parameters.Add(new() { Value = DeliveryStatus.Failed.ToWireName() });
        command.Parameters.Add(new() { Value = DeliveryStatusPolicy.RankOf(DeliveryStatus.Failed) });
        command.Parameters.Add(new() { Value = errorCode });
        command.Parameters.Add(new() { Value = EventTypes.MessageFailed });
        if (await command.ExecuteScalarAsync(cancellationToken) is string tenantId)
        {
            notifier.Notify(tenantId);
        }
    }

    public async Task<int> CountSentSinceAsync(string tenantId, Channel channel, DateTimeOffset since, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT count(*) FROM message_log
            WHERE tenant_id = $1 AND channel = $2 AND direction = 'outbound' AND status_rank >= $3 AND updated_at >= $4
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = channel.ToWireName() });
        command.Parameters.Add(new() { Value = DeliveryStatusPolicy.RankOf(DeliveryStatus.Sending) });
        command.Parameters.Add(new() { Value = since.ToUniversalTime() });
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    public async Task<bool> AdvanceStatusByIdAsync(Guid messageId, DeliveryStatus status, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            WITH updated AS (
                UPDATE message_log SET status = $2, status_rank = $3, updated_at = now()
                WHERE message_id = $1 AND status_rank < $3
                RETURNING *
            )
            """ + StatusEventCte.Replace("{T}", "$4", StringComparison.Ordinal) + """
            SELECT tenant_id FROM updated
            """);
        command.Parameters.Add(new() { Value = messageId });
        command.Parameters.Add(new() { Value = status.ToWireName() });
        command.Parameters.Add(new() { Value = DeliveryStatusPolicy.RankOf(status) });
        command.Parameters.Add(new() { Value = (object?)EventJson.TypeOfStatus(status) ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        if (await command.ExecuteScalarAsync(cancellationToken) is string tenantId)
        {
            notifier.Notify(tenantId);
            return true;
        }

        return false;
    }

    public async Task<DateTimeOffset?> LastInboundAtAsync(string tenantId, string leadPhone, Channel channel, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT max(occurred_at) FROM message_log
            WHERE tenant_id = $1 AND lead_phone = $2 AND channel = $3 AND direction = 'inbound'
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = leadPhone });
        command.Parameters.Add(new() { Value = channel.ToWireName() });
        return await command.ExecuteScalarAsync(cancellationToken) is DateTime last ? new DateTimeOffset(last, TimeSpan.Zero) : null;
    }

    public async Task<IReadOnlyList<MessageRecord>> ReadConversationAsync(
        string tenantId, string leadPhone, Channel channel, MessageCursor? after, int limit,
        CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT message_id, direction, provider, provider_message_id, message_type, body, status, error_code, occurred_at
            FROM message_log
            WHERE tenant_id = $1 AND lead_phone = $2 AND channel = $3
              AND ($4::timestamptz IS NULL OR (occurred_at, message_id) < ($4, $5))
            ORDER BY occurred_at DESC, message_id DESC
            LIMIT $6
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = leadPhone });
        command.Parameters.Add(new() { Value = channel.ToWireName() });
        command.Parameters.Add(new() { Value = (object?)after?.OccurredAt.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
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
                reader.IsDBNull(5) ? null : reader.GetString(5),
                Enum.Parse<DeliveryStatus>(reader.GetString(6), ignoreCase: true),
                reader.IsDBNull(7) ? null : reader.GetString(7),
                reader.GetFieldValue<DateTimeOffset>(8)));
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
        command.Parameters.Add(new() { Value = (object?)after?.LastActivityAt.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
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

    public async Task<StoredSend?> FindSendAsync(string tenantId, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT lead_phone, channel, message_id, disposition, rejection, reason, scheduled_for
            FROM send_requests WHERE tenant_id = $1 AND idempotency_key = $2
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = idempotencyKey });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new StoredSend(tenantId, idempotencyKey, reader.GetString(0), ChannelNames.Parse(reader.GetString(1)), new SendResult(
            reader.GetGuid(2),
            Enum.Parse<SendDisposition>(reader.GetString(3)),
            Enum.Parse<RejectionCode>(reader.GetString(4)),
            reader.IsDBNull(5) ? null : reader.GetString(5),
            reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6)));
    }

    public async Task RecordSendAsync(StoredSend send, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO send_requests (tenant_id, idempotency_key, lead_phone, channel, message_id, disposition, rejection, reason, scheduled_for)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
            """);
        command.Parameters.Add(new() { Value = send.TenantId });
        command.Parameters.Add(new() { Value = send.IdempotencyKey });
        command.Parameters.Add(new() { Value = send.LeadPhone });
        command.Parameters.Add(new() { Value = send.Channel.ToWireName() });
        command.Parameters.Add(new() { Value = send.Result.MessageId });
        command.Parameters.Add(new() { Value = send.Result.Disposition.ToString() });
        command.Parameters.Add(new() { Value = send.Result.Rejection.ToString() });
        command.Parameters.Add(new() { Value = (object?)send.Result.Reason ?? DBNull.Value });
        command.Parameters.Add(new() { Value = (object?)send.Result.ScheduledFor?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
