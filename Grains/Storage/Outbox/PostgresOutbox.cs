using System.Text.Json;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Delivery;
using Engine.Grains.Abstractions.Events;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Encryption;
using Engine.Grains.Events;
using Engine.Grains.Policies;
using Engine.Grains.Storage.Messages;
using Npgsql;
using NpgsqlTypes;
using Engine.Grains.Storage.Events;

namespace Engine.Grains.Storage.Outbox;

/// <summary>The outbox in PostgreSQL: message_log rows with status queued.</summary>
public sealed class PostgresOutbox(NpgsqlDataSource dataSource, IEventNotifier notifier, PayloadCipher cipher, TimeProvider time) : IOutbox
{
    public async Task<IReadOnlyList<QueuedMessage>> ReadAsync(string tenantId, Channel channel, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT message_id, lead_phone, body, template, occurred_at, attempted_at, attempts, purpose, body_sealed, media_sealed
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
                await cipher.OpenBodyAsync(tenantId, reader.IsDBNull(8) ? null : reader.GetFieldValue<byte[]>(8), reader.IsDBNull(2) ? null : reader.GetString(2)),
                reader.IsDBNull(3) ? null : JsonSerializer.Deserialize<TemplateRef>(reader.GetString(3)),
                reader.GetFieldValue<DateTimeOffset>(4),
                reader.IsDBNull(5) ? null : reader.GetFieldValue<DateTimeOffset>(5),
                reader.GetInt16(6),
                PurposeNames.ParsePurpose(reader.GetString(7)),
                Media: await cipher.OpenMediaAsync(tenantId, reader.IsDBNull(9) ? null : reader.GetFieldValue<byte[]>(9))));
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

    public async Task<IReadOnlySet<Guid>> BeginHandOffAsync(IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken = default)
    {
        // The row lock orders this against an opt-out's cancellation: whichever commits first wins.
        await using var command = dataSource.CreateCommand("""
            UPDATE message_log SET attempted_at = $2, attempts = attempts + 1, updated_at = $2
            WHERE message_id = ANY($1) AND status = 'queued'
            RETURNING message_id
            """);
        command.Parameters.Add(new() { Value = messageIds.ToArray() });
        command.Parameters.Add(new() { Value = Now });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var begun = new HashSet<Guid>();
        while (await reader.ReadAsync(cancellationToken))
        {
            begun.Add(reader.GetGuid(0));
        }

        return begun;
    }

    public async Task<IReadOnlySet<Guid>> RecordAcceptedAsync(IReadOnlyList<AcceptedHandOff> accepted, CancellationToken cancellationToken = default)
    {
        if (accepted.Count == 0)
        {
            return new HashSet<Guid>();
        }

        // A status callback can race ahead of this write; the rank check keeps whichever is further along.
        // An id another message holds is refused here rather than by the unique index, which would fail
        // the whole batch.
        await using var command = dataSource.CreateCommand("""
            WITH a AS (
                SELECT message_id, provider, provider_message_id,
                       row_number() OVER (PARTITION BY provider, provider_message_id ORDER BY ordinal) AS nth
                FROM unnest($1::uuid[], $2::text[], $3::text[]) WITH ORDINALITY AS a(message_id, provider, provider_message_id, ordinal)
            ),
            refused AS (
                SELECT a.message_id
                FROM a JOIN message_log AS m ON m.message_id = a.message_id
                WHERE a.nth > 1 OR EXISTS (
                    SELECT 1 FROM message_log AS holder
                    WHERE holder.tenant_id = m.tenant_id AND holder.provider = a.provider
                      AND holder.provider_message_id = a.provider_message_id AND holder.message_id <> a.message_id)
            ),
            recorded AS (
                UPDATE message_log AS m
                SET provider = a.provider, provider_message_id = a.provider_message_id, attempted_at = NULL, updated_at = $6,
                    status = CASE WHEN m.status_rank < $5 THEN $4 ELSE m.status END,
                    status_rank = GREATEST(m.status_rank, $5)
                FROM a
                WHERE m.message_id = a.message_id AND a.message_id NOT IN (SELECT message_id FROM refused)
            )
            SELECT message_id FROM refused
            """);
        command.Parameters.Add(new() { Value = accepted.Select(a => a.MessageId).ToArray() });
        command.Parameters.Add(new() { Value = accepted.Select(a => a.Provider.ToWireName()).ToArray() });
        command.Parameters.Add(new() { Value = accepted.Select(a => a.ProviderMessageId).ToArray() });
        command.Parameters.Add(new() { Value = DeliveryStatus.Sending.ToWireName() });
        command.Parameters.Add(new() { Value = DeliveryStatusPolicy.RankOf(DeliveryStatus.Sending) });
        command.Parameters.Add(new() { Value = Now });
        var refused = new HashSet<Guid>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            refused.Add(reader.GetGuid(0));
        }

        return refused;
    }

    public async Task<IReadOnlySet<string>> FindHeldAsync(
        string tenantId, Provider provider, IReadOnlyList<string> providerMessageIds, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT provider_message_id FROM message_log
            WHERE tenant_id = $1 AND provider = $2 AND provider_message_id = ANY($3)
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = provider.ToWireName() });
        command.Parameters.Add(new() { Value = providerMessageIds.ToArray() });
        var held = new HashSet<string>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            held.Add(reader.GetString(0));
        }

        return held;
    }

    public async Task RecordFailedAsync(Guid messageId, Provider provider, string errorCode, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            WITH updated AS (
                UPDATE message_log
                SET provider = $2, status = $3, status_rank = $4, error_code = $5, attempted_at = NULL, updated_at = $7
                WHERE message_id = $1 AND status_rank < $4
                RETURNING *
            )
            """ + MessageEventSql.StatusEventCte("$6") + """
            SELECT tenant_id FROM updated
            """);
        command.Parameters.Add(new() { Value = messageId });
        command.Parameters.Add(new() { Value = provider.ToWireName() });
        command.Parameters.Add(new() { Value = DeliveryStatus.Failed.ToWireName() });
        command.Parameters.Add(new() { Value = DeliveryStatusPolicy.RankOf(DeliveryStatus.Failed) });
        command.Parameters.Add(new() { Value = errorCode });
        command.Parameters.Add(new() { Value = EventTypes.MessageFailed });
        command.Parameters.Add(new() { Value = Now });
        if (await command.ExecuteScalarAsync(cancellationToken) is string tenantId)
        {
            notifier.Notify(tenantId);
        }
    }

    public async Task RecordSuppressedAsync(IReadOnlyList<(Guid MessageId, string Reason)> suppressed, CancellationToken cancellationToken = default)
    {
        if (suppressed.Count == 0)
        {
            return;
        }

        await using var command = dataSource.CreateCommand("""
            WITH updated AS (
                UPDATE message_log AS m
                SET status = $3, status_rank = $4, error_code = s.reason, attempted_at = NULL, updated_at = $6
                FROM unnest($1::uuid[], $2::text[]) AS s(message_id, reason)
                WHERE m.message_id = s.message_id AND m.status_rank < $4
                RETURNING m.*
            )
            """ + MessageEventSql.StatusEventCte("$5") + """
            SELECT tenant_id FROM updated LIMIT 1
            """);
        command.Parameters.Add(new() { Value = suppressed.Select(s => s.MessageId).ToArray() });
        command.Parameters.Add(new() { Value = suppressed.Select(s => s.Reason).ToArray() });
        command.Parameters.Add(new() { Value = DeliveryStatus.Suppressed.ToWireName() });
        command.Parameters.Add(new() { Value = DeliveryStatusPolicy.RankOf(DeliveryStatus.Suppressed) });
        command.Parameters.Add(new() { Value = EventTypes.MessageSuppressed, NpgsqlDbType = NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = Now });
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
              AND status NOT IN ('canceled', 'suppressed')
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = channel.ToWireName() });
        command.Parameters.Add(new() { Value = DeliveryStatusPolicy.RankOf(DeliveryStatus.Sending) });
        command.Parameters.Add(new() { Value = since.ToUniversalTime() });
        return (int)(long)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    // The engine's clock, as in PostgresConversationLog, for hand-offs and status changes alike.
    private DateTimeOffset Now => EventJson.Instant(time.GetUtcNow());
}
