using Engine.Grains.Abstractions.Events;
using Engine.Grains.Encryption;
using Npgsql;

namespace Engine.Grains.Events;

/// <summary>
/// The events table in PostgreSQL. Payloads with a message body or a lead's profile are sealed
/// (data_sealed): those appended here and message events; status, consent and automation events,
/// written by SQL in the same statement as their change, stay JSON.
/// </summary>
public sealed class PostgresEventLog(NpgsqlDataSource dataSource, IEventNotifier notifier, PayloadCipher cipher) : IEventLog
{
    public async Task AppendAsync(EventDraft draft, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO events (event_id, tenant_id, type, subject, lead_phone, occurred_at, data_sealed)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (event_id) DO NOTHING
            """);
        command.Parameters.Add(new() { Value = draft.EventId });
        command.Parameters.Add(new() { Value = draft.TenantId });
        command.Parameters.Add(new() { Value = draft.Type });
        command.Parameters.Add(new() { Value = draft.Subject });
        command.Parameters.Add(new() { Value = (object?)draft.LeadPhone ?? DBNull.Value });
        command.Parameters.Add(new() { Value = draft.OccurredAt.ToUniversalTime() });
        command.Parameters.Add(new() { Value = (await cipher.SealAsync(draft.TenantId, PayloadCipher.EventData, draft.DataJson))! });
        if (await command.ExecuteNonQueryAsync(cancellationToken) > 0)
        {
            notifier.Notify(draft.TenantId);
        }
    }

    public async Task<(IReadOnlyList<EngineEvent> Events, long MaxSequence)> AssignCursorsAsync(string tenantId, long fromSequence, int limit, CancellationToken cancellationToken = default)
    {
        // One transaction per batch: the cursor row lock makes cursors dense and increasing per tenant,
        // and events become visible to readers only together with their cursors.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var ensure = new NpgsqlCommand(
            "INSERT INTO event_cursors (tenant_id, last_cursor) VALUES ($1, 0) ON CONFLICT (tenant_id) DO NOTHING", connection, transaction))
        {
            ensure.Parameters.Add(new() { Value = tenantId });
            await ensure.ExecuteNonQueryAsync(cancellationToken);
        }

        long last;
        await using (var lockCounter = new NpgsqlCommand("SELECT last_cursor FROM event_cursors WHERE tenant_id = $1 FOR UPDATE", connection, transaction))
        {
            lockCounter.Parameters.Add(new() { Value = tenantId });
            last = (long)(await lockCounter.ExecuteScalarAsync(cancellationToken))!;
        }

        EngineEvent[] events;
        var maxSequence = fromSequence;
        await using (var assign = new NpgsqlCommand("""
            WITH waiting AS (
                SELECT event_seq, row_number() OVER (ORDER BY event_seq) AS n
                FROM (SELECT event_seq FROM events
                      WHERE tenant_id = $1 AND cursor IS NULL AND event_seq > $4
                      ORDER BY event_seq LIMIT $2) pending
            )
            UPDATE events e SET cursor = $3 + w.n
            FROM waiting w WHERE e.event_seq = w.event_seq
            RETURNING e.cursor, e.event_id, e.type, e.subject, e.occurred_at, e.data::text, e.event_seq, e.data_sealed
            """, connection, transaction))
        {
            assign.Parameters.Add(new() { Value = tenantId });
            assign.Parameters.Add(new() { Value = limit });
            assign.Parameters.Add(new() { Value = last });
            assign.Parameters.Add(new() { Value = fromSequence });
            await using var reader = await assign.ExecuteReaderAsync(cancellationToken);
            var assigned = new List<EngineEvent>();
            while (await reader.ReadAsync(cancellationToken))
            {
                assigned.Add(new EngineEvent(reader.GetInt64(0), reader.GetString(1), tenantId, reader.GetString(2), reader.GetString(3),
                    reader.GetFieldValue<DateTimeOffset>(4), await OpenDataAsync(reader, tenantId, clearOrdinal: 5, sealedOrdinal: 7)));
                maxSequence = Math.Max(maxSequence, reader.GetInt64(6));
            }

            events = assigned.OrderBy(e => e.Cursor).ToArray();
        }

        if (events.Length > 0)
        {
            await using var move = new NpgsqlCommand("UPDATE event_cursors SET last_cursor = $2 WHERE tenant_id = $1", connection, transaction);
            move.Parameters.Add(new() { Value = tenantId });
            move.Parameters.Add(new() { Value = last + events.Length });
            await move.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return (events, maxSequence);
    }

    public async Task<IReadOnlyList<EngineEvent>> ReadAsync(string tenantId, long afterCursor, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT cursor, event_id, type, subject, occurred_at, data::text, data_sealed
            FROM events WHERE tenant_id = $1 AND cursor > $2 ORDER BY cursor LIMIT $3
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = afterCursor });
        command.Parameters.Add(new() { Value = limit });
        return await ReadEventsAsync(command, tenantId, cancellationToken);
    }

    public async Task<long> LastCursorAsync(string tenantId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT last_cursor FROM event_cursors WHERE tenant_id = $1");
        command.Parameters.Add(new() { Value = tenantId });
        return await command.ExecuteScalarAsync(cancellationToken) as long? ?? 0;
    }

    public async Task<IReadOnlyList<string>> TenantsWithUnpublishedAsync(CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT DISTINCT tenant_id FROM events WHERE cursor IS NULL");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var tenants = new List<string>();
        while (await reader.ReadAsync(cancellationToken))
        {
            tenants.Add(reader.GetString(0));
        }

        return tenants;
    }

    private async Task<IReadOnlyList<EngineEvent>> ReadEventsAsync(NpgsqlCommand command, string tenantId, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<EngineEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            events.Add(new EngineEvent(reader.GetInt64(0), reader.GetString(1), tenantId, reader.GetString(2), reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4), await OpenDataAsync(reader, tenantId, clearOrdinal: 5, sealedOrdinal: 6)));
        }

        return events;
    }

    private ValueTask<string> OpenDataAsync(NpgsqlDataReader reader, string tenantId, int clearOrdinal, int sealedOrdinal) =>
        cipher.OpenEventDataAsync(tenantId, reader.IsDBNull(sealedOrdinal) ? null : reader.GetFieldValue<byte[]>(sealedOrdinal), reader.IsDBNull(clearOrdinal) ? null : reader.GetString(clearOrdinal));
}
