using Engine.Grains.Events;
using Engine.Grains.Encryption;
using Npgsql;

namespace Engine.Grains.Storage.Retention;

/// <summary>Retention on message_log, events, send_requests and early_statuses (indexes in 21-retention.sql).</summary>
public sealed class PostgresMessageRetention(NpgsqlDataSource dataSource, PayloadCipher cipher) : IMessageRetention
{
    // Plain FOR UPDATE, in key order: a row being written (a status, a cursor being assigned) is waited
    // for, briefly, rather than skipped, so an empty batch means nothing is left.
    private const string BlankMessagesSql = """
        WITH doomed AS (
            SELECT message_id FROM message_log
            WHERE tenant_id = $1 AND occurred_at < $2 AND (body IS NOT NULL OR body_sealed IS NOT NULL OR media_sealed IS NOT NULL) AND status NOT IN ('queued', 'scheduled')
            ORDER BY message_id LIMIT $3 FOR UPDATE
        ), blanked AS (
            UPDATE message_log m SET body = NULL, body_sealed = NULL, media_sealed = NULL FROM doomed d WHERE m.message_id = d.message_id RETURNING 1
        )
        SELECT count(*)::int FROM blanked
        """;

    private const string StripEventsSql = """
        WITH doomed AS (
            SELECT event_seq FROM events
            WHERE tenant_id = $1 AND occurred_at < $2 AND (data ? 'body' OR data ? 'media')
            ORDER BY event_seq LIMIT $3 FOR UPDATE
        ), stripped AS (
            UPDATE events e SET data = e.data - 'body' - 'media' FROM doomed d WHERE e.event_seq = d.event_seq RETURNING e.cursor
        )
        SELECT count(*)::int, coalesce(max(cursor), 0) FROM stripped
        """;

    private const string DeleteMessagesSql = """
        WITH doomed AS (
            SELECT message_id FROM message_log
            WHERE tenant_id = $1 AND occurred_at < $2 AND status NOT IN ('queued', 'scheduled')
            ORDER BY message_id LIMIT $3 FOR UPDATE
        ), gone AS (
            DELETE FROM message_log m USING doomed d WHERE m.message_id = d.message_id
            RETURNING m.message_id, m.provider, m.provider_message_id
        ), requests AS (
            DELETE FROM send_requests s USING gone g WHERE s.tenant_id = $1 AND s.message_id = g.message_id RETURNING 1
        ), early AS (
            DELETE FROM early_statuses e USING gone g
            WHERE e.tenant_id = $1 AND e.provider = g.provider AND e.provider_message_id = g.provider_message_id RETURNING 1
        ), old_requests AS (
            DELETE FROM send_requests WHERE ctid IN (
                SELECT ctid FROM send_requests WHERE tenant_id = $1 AND created_at < $2 LIMIT $3 FOR UPDATE)
            RETURNING 1
        ), old_early AS (
            DELETE FROM early_statuses WHERE ctid IN (
                SELECT ctid FROM early_statuses WHERE tenant_id = $1 AND parked_at < $2 LIMIT $3 FOR UPDATE)
            RETURNING 1
        )
        SELECT ((SELECT count(*) FROM gone) + (SELECT count(*) FROM requests) + (SELECT count(*) FROM early)
              + (SELECT count(*) FROM old_requests) + (SELECT count(*) FROM old_early))::int
        """;

    public async Task<BodyPurge> BlankBodiesAsync(string tenantId, DateTimeOffset before, int batchSize, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var blank = Command(connection, BlankMessagesSql, tenantId, before, batchSize);
        var messages = (int)(await blank.ExecuteScalarAsync(cancellationToken))!;
        var (stripped, lastCursor) = await StripSealedEventsAsync(connection, tenantId, before, batchSize, cancellationToken);
        await using var strip = Command(connection, StripEventsSql, tenantId, before, batchSize);
        await using var reader = await strip.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new BodyPurge(messages, stripped + reader.GetInt32(0), Math.Max(lastCursor, reader.GetInt64(1)));
    }

    // A sealed message event cannot be edited in SQL: it is opened here, loses its body, and is kept as
    // clear JSON, since what is left (ids, number, status, times) is what status events hold in clear.
    private const string SealedMessageEventsSql = """
        SELECT event_seq, data_sealed FROM events
        WHERE tenant_id = $1 AND occurred_at < $2 AND data_sealed IS NOT NULL AND type LIKE 'message.%'
        ORDER BY event_seq LIMIT $3 FOR UPDATE
        """;

    private async Task<(int Stripped, long LastCursor)> StripSealedEventsAsync(NpgsqlConnection connection, string tenantId, DateTimeOffset before, int batchSize, CancellationToken cancellationToken)
    {
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var sealedEvents = new List<(long Seq, byte[] Data)>();
        await using (var select = Command(connection, SealedMessageEventsSql, tenantId, before, batchSize))
        {
            select.Transaction = transaction;
            await using var reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                sealedEvents.Add((reader.GetInt64(0), reader.GetFieldValue<byte[]>(1)));
            }
        }

        var lastCursor = 0L;
        foreach (var (seq, data) in sealedEvents)
        {
            var json = EventJson.WithoutBody(await cipher.OpenEventDataAsync(tenantId, data, null));
            await using var update = new NpgsqlCommand("UPDATE events SET data = $1::jsonb, data_sealed = NULL WHERE event_seq = $2 RETURNING coalesce(cursor, 0)", connection, transaction)
            {
                Parameters = { new() { Value = json }, new() { Value = seq } },
            };
            lastCursor = Math.Max(lastCursor, (long)(await update.ExecuteScalarAsync(cancellationToken))!);
        }

        await transaction.CommitAsync(cancellationToken);
        return (sealedEvents.Count, lastCursor);
    }

    public async Task<int> DeleteMessagesAsync(string tenantId, DateTimeOffset before, int batchSize, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var command = Command(connection, DeleteMessagesSql, tenantId, before, batchSize);
        return (int)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static NpgsqlCommand Command(NpgsqlConnection connection, string sql, string tenantId, DateTimeOffset before, int batchSize) =>
        new(sql, connection) { Parameters = { new() { Value = tenantId }, new() { Value = before.UtcDateTime }, new() { Value = batchSize } } };
}
