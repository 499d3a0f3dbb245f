using System.Text.Json;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Encryption;
using Engine.Grains.Events;
using Engine.Grains.Policies;
using Npgsql;
using NpgsqlTypes;
using Engine.Grains.Storage.Events;

namespace Engine.Grains.Storage.Messages;

/// <summary>
/// The conversation log in PostgreSQL's message_log table. Bodies, and the events that carry them, are
/// stored sealed with the tenant's data key.
/// </summary>
public sealed class PostgresConversationLog : IConversationLog
{
    private readonly NpgsqlDataSource dataSource;
    private readonly IEventNotifier notifier;
    private readonly PayloadCipher cipher;
    private readonly TimeProvider time;
    private readonly GroupCommit<AppendRow, bool> _appends;
    private readonly GroupCommit<(string TenantId, Guid MessageId, StatusReport Report), Guid?> _advances;

    public PostgresConversationLog(NpgsqlDataSource dataSource, IEventNotifier notifier, PayloadCipher cipher, TimeProvider time)
    {
        (this.dataSource, this.notifier, this.cipher, this.time) = (dataSource, notifier, cipher, time);
        _appends = new(AppendAsync, row => row.Record.MessageId);
        _advances = new(AdvanceByMessageIdAsync, change => change.MessageId);
    }

    public async Task<bool> TryAppendAsync(MessageRecord record, CancellationToken cancellationToken = default)
    {
        var evt = EventJson.OfMessage(record);
        var row = new AppendRow(
            record,
            await cipher.SealAsync(record.TenantId, PayloadCipher.MessageBody, record.Body),
            await cipher.SealMediaAsync(record.TenantId, record.Media),
            evt,
            await cipher.SealAsync(record.TenantId, PayloadCipher.EventData, evt?.DataJson));
        var inserted = await _appends.SubmitAsync(row);
        if (inserted && evt is not null)
        {
            notifier.Notify(record.TenantId);
        }

        return inserted;
    }

    // Each message and its event in one statement: neither is ever stored without the other.
    private async Task<IReadOnlyList<bool>> AppendAsync(IReadOnlyList<AppendRow> rows)
    {
        await using var command = dataSource.CreateCommand("""
            WITH input AS (
                SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[],
                                     $8::text[], $9::bytea[], $10::text[], $11::smallint[], $12::text[], $13::timestamptz[],
                                     $14::jsonb[], $15::text[], $16::text[], $17::text[], $18::text[], $19::bytea[], $20::bytea[])
                    AS i(message_id, tenant_id, lead_phone, channel, direction, provider, provider_message_id,
                         message_type, body_sealed, status, status_rank, error_code, occurred_at,
                         template, purpose, event_id, event_type, event_subject, event_data, media_sealed)
            ), inserted AS (
                INSERT INTO message_log
                    (message_id, tenant_id, lead_phone, channel, direction, provider, provider_message_id,
                     message_type, body_sealed, status, status_rank, error_code, occurred_at, template, purpose, media_sealed)
                SELECT message_id, tenant_id, lead_phone, channel, direction, provider, provider_message_id,
                       message_type, body_sealed, status, status_rank, error_code, occurred_at, template, purpose, media_sealed
                FROM input
                ON CONFLICT DO NOTHING
                RETURNING message_id
            ), evt AS (
                INSERT INTO events (event_id, tenant_id, type, subject, lead_phone, occurred_at, data_sealed)
                SELECT i.event_id, i.tenant_id, i.event_type, i.event_subject, i.lead_phone, i.occurred_at, i.event_data
                FROM input i JOIN inserted USING (message_id)
                WHERE i.event_id IS NOT NULL
                ON CONFLICT (event_id) DO NOTHING
            )
            SELECT message_id FROM inserted
            """);
        command.AddColumn(rows.Select(r => r.Record.MessageId).ToArray());
        command.AddColumn(rows.Select(r => r.Record.TenantId).ToArray());
        command.AddColumn(rows.Select(r => r.Record.LeadPhone).ToArray());
        command.AddColumn(rows.Select(r => r.Record.Channel.ToWireName()).ToArray());
        command.AddColumn(rows.Select(r => r.Record.Direction.ToWireName()).ToArray());
        command.AddColumn(rows.Select(r => r.Record.Provider.ToWireName()).ToArray());
        command.AddColumn(rows.Select(r => r.Record.ProviderMessageId).ToArray());
        command.AddColumn(rows.Select(r => r.Record.MessageType).ToArray());
        command.AddColumn(rows.Select(r => r.SealedBody).ToArray(), NpgsqlDbType.Bytea);
        command.AddColumn(rows.Select(r => r.Record.Status.ToWireName()).ToArray());
        command.AddColumn(rows.Select(r => (short)DeliveryStatusPolicy.RankOf(r.Record.Status)).ToArray());
        command.AddColumn(rows.Select(r => r.Record.ErrorCode).ToArray());
        command.AddColumn(rows.Select(r => r.Record.OccurredAt.ToUniversalTime()).ToArray());
        command.AddColumn(rows.Select(r => r.Record.Template is { } template ? JsonSerializer.Serialize(template) : null).ToArray(), NpgsqlDbType.Jsonb);
        command.AddColumn(rows.Select(r => r.Record.Purpose.ToWireName()).ToArray());
        command.AddColumn(rows.Select(r => r.Event?.EventId).ToArray());
        command.AddColumn(rows.Select(r => r.Event?.Type).ToArray());
        command.AddColumn(rows.Select(r => r.Event?.Subject).ToArray());
        command.AddColumn(rows.Select(r => r.SealedEvent).ToArray(), NpgsqlDbType.Bytea);
        command.AddColumn(rows.Select(r => r.SealedMedia).ToArray(), NpgsqlDbType.Bytea);
        var inserted = await command.ReadKeysAsync<Guid>();
        return rows.Select(r => inserted.Contains(r.Record.MessageId)).ToArray();
    }

    public async Task<Guid?> AdvanceStatusAsync(string tenantId, StatusReport report, CancellationToken cancellationToken = default)
    {
        var moved = report.MessageId is { } messageId
            ? await _advances.SubmitAsync((tenantId, messageId, report))
            : await AdvanceByProviderIdAsync(tenantId, report, cancellationToken);
        if (moved is not null)
        {
            notifier.Notify(tenantId);
        }

        return moved;
    }

    // Matched by the engine's own id (the common case: both providers echo it); the provider's id is
    // recorded if the acceptance has not been yet. The rank comparison happens in the UPDATE itself,
    // so concurrent reports cannot regress a row.
    private async Task<IReadOnlyList<Guid?>> AdvanceByMessageIdAsync(IReadOnlyList<(string TenantId, Guid MessageId, StatusReport Report)> changes)
    {
        await using var command = dataSource.CreateCommand("""
            WITH input AS (
                SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::smallint[], $7::text[], $8::text[])
                    AS i(message_id, tenant_id, provider, provider_message_id, status, status_rank, error_code, event_type)
            ), updated AS (
                UPDATE message_log AS m
                SET status = i.status, status_rank = i.status_rank, error_code = COALESCE(i.error_code, m.error_code),
                    updated_at = $9, provider = i.provider, provider_message_id = i.provider_message_id
                FROM input i
                WHERE m.message_id = i.message_id AND m.tenant_id = i.tenant_id AND m.status_rank < i.status_rank
                  AND (m.provider_message_id IS NULL OR (m.provider = i.provider AND m.provider_message_id = i.provider_message_id))
                RETURNING m.*, i.event_type
            )
            """ + MessageEventSql.StatusEventCte("event_type") + """
            SELECT message_id FROM updated
            """);
        command.AddColumn(changes.Select(c => c.MessageId).ToArray());
        command.AddColumn(changes.Select(c => c.TenantId).ToArray());
        command.AddColumn(changes.Select(c => c.Report.Provider.ToWireName()).ToArray());
        command.AddColumn(changes.Select(c => c.Report.ProviderMessageId).ToArray());
        command.AddColumn(changes.Select(c => c.Report.Status.ToWireName()).ToArray());
        command.AddColumn(changes.Select(c => (short)DeliveryStatusPolicy.RankOf(c.Report.Status)).ToArray());
        command.AddColumn(changes.Select(c => c.Report.ErrorCode).ToArray());
        command.AddColumn(changes.Select(c => EventJson.TypeOfStatus(c.Report.Status)).ToArray());
        command.Parameters.Add(new() { Value = Now });
        var moved = await command.ReadKeysAsync<Guid>();
        return changes.Select(c => moved.Contains(c.MessageId) ? c.MessageId : (Guid?)null).ToArray();
    }

    // A report naming only the provider's id: rare, so written on its own.
    private async Task<Guid?> AdvanceByProviderIdAsync(string tenantId, StatusReport report, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            WITH updated AS (
                UPDATE message_log
                SET status = $4, status_rank = $5, error_code = COALESCE($6, error_code), updated_at = $8
                WHERE tenant_id = $1 AND provider = $2 AND provider_message_id = $3 AND status_rank < $5
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
        command.Parameters.Add(new() { Value = Now });
        return await command.ExecuteScalarAsync(cancellationToken) as Guid?;
    }

    public async Task<bool> AdvanceStatusByIdAsync(Guid messageId, DeliveryStatus status, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            WITH updated AS (
                UPDATE message_log SET status = $2, status_rank = $3, updated_at = $5
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
        command.Parameters.Add(new() { Value = Now });
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
                SET status = $4, status_rank = $5, error_code = $6, updated_at = $8
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
        command.Parameters.Add(new() { Value = Now });
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
            SELECT message_id, direction, provider, provider_message_id, message_type, body, status, error_code, occurred_at, template::text, purpose, body_sealed, media_sealed
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
                PurposeNames.ParsePurpose(reader.GetString(10)),
                await cipher.OpenMediaAsync(tenantId, reader.IsDBNull(12) ? null : reader.GetFieldValue<byte[]>(12))));
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

    // Status changes take their time from the engine's clock, as the in-memory log does, not from
    // PostgreSQL's: both backends then write the same times, and a test's fake clock reaches the database.
    private DateTimeOffset Now => EventJson.Instant(time.GetUtcNow());

    /// <summary>A message ready for the batch insert: body, media and event already sealed.</summary>
    private sealed record AppendRow(MessageRecord Record, byte[]? SealedBody, byte[]? SealedMedia, EventDraft? Event, byte[]? SealedEvent);
}
