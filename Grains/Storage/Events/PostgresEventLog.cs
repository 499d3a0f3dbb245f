using Engine.Grains.Abstractions.Events;
using Engine.Grains.Encryption;
using Npgsql;
using NpgsqlTypes;
using Engine.Grains.Events;

namespace Engine.Grains.Storage.Events;

/// <summary>
/// The events table in PostgreSQL. Payloads with a message body or a lead's profile are sealed
/// (data_sealed): those appended here and message events; status, consent and automation events,
/// written by SQL in the same statement as their change, stay JSON, and status events are read back
/// in the bytes the in-memory log holds.
/// </summary>
public sealed class PostgresEventLog : IEventLog
{
    private readonly NpgsqlDataSource dataSource;
    private readonly IEventNotifier notifier;
    private readonly PayloadCipher cipher;
    private static readonly string AppendSql = InsertSql(firstParameter: 1);
    private readonly GroupCommit<(EventDraft Draft, byte[] SealedData), bool> _appends;

    public PostgresEventLog(NpgsqlDataSource dataSource, IEventNotifier notifier, PayloadCipher cipher)
    {
        (this.dataSource, this.notifier, this.cipher) = (dataSource, notifier, cipher);
        // Lead and consent events of concurrent grains share statements, as messages do (see PostgresConversationLog).
        _appends = new(InsertAsync, row => row.Draft.EventId);
    }

    public async Task AppendAsync(EventDraft draft, CancellationToken cancellationToken = default)
    {
        if (await _appends.SubmitAsync(await SealAsync(cipher, draft)))
        {
            notifier.Notify(draft.TenantId);
        }
    }

    private async Task<IReadOnlyList<bool>> InsertAsync(IReadOnlyList<(EventDraft Draft, byte[] SealedData)> rows)
    {
        await using var command = dataSource.CreateCommand(AppendSql);
        AddColumns(command, rows);
        var inserted = await command.ReadKeysAsync<string>();
        return rows.Select(r => inserted.Contains(r.Draft.EventId)).ToArray();
    }

    /// <summary>A draft with its data sealed, as <see cref="InsertSql"/> stores it.</summary>
    internal static async ValueTask<(EventDraft Draft, byte[] SealedData)> SealAsync(PayloadCipher cipher, EventDraft draft) =>
        (draft, (await cipher.SealAsync(draft.TenantId, PayloadCipher.EventData, draft.DataJson))!);

    /// <summary>
    /// Inserts sealed drafts (seven array parameters from <paramref name="firstParameter"/>, see
    /// <see cref="AddColumns"/>), once per event id, returning the ids inserted. Other statements that
    /// write events in the same round trip as their own rows (the lead directory) use it as a CTE.
    /// </summary>
    internal static string InsertSql(int firstParameter)
    {
        var p = Enumerable.Range(firstParameter, 7).Select(n => $"${n}").ToArray();
        return $"""
            INSERT INTO events (event_id, tenant_id, type, subject, lead_phone, occurred_at, data_sealed)
            SELECT * FROM unnest({p[0]}::text[], {p[1]}::text[], {p[2]}::text[], {p[3]}::text[], {p[4]}::text[], {p[5]}::timestamptz[], {p[6]}::bytea[])
            ON CONFLICT (event_id) DO NOTHING
            RETURNING event_id
            """;
    }

    internal static void AddColumns(NpgsqlCommand command, IReadOnlyList<(EventDraft Draft, byte[] SealedData)> rows)
    {
        command.AddColumn(rows.Select(r => r.Draft.EventId).ToArray());
        command.AddColumn(rows.Select(r => r.Draft.TenantId).ToArray());
        command.AddColumn(rows.Select(r => r.Draft.Type).ToArray());
        command.AddColumn(rows.Select(r => r.Draft.Subject).ToArray());
        command.AddColumn(rows.Select(r => r.Draft.LeadPhone).ToArray());
        command.AddColumn(rows.Select(r => r.Draft.OccurredAt.ToUniversalTime()).ToArray());
        command.AddColumn(rows.Select(r => r.SealedData).ToArray(), NpgsqlDbType.Bytea);
    }

    public async Task<(IReadOnlyList<EngineEvent> Events, long MaxSequence)> AssignCursorsAsync(string tenantId, long fromSequence, int limit, CancellationToken cancellationToken = default)
    {
        // One transaction per batch: the cursor row lock makes cursors increasing per tenant, and events
        // become visible to readers only together with their cursors. Three round trips: the lock (BEGIN
        // goes with it), the assignment with the counter's move, the commit.
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        var last = await LockCounterAsync(connection, transaction, tenantId, cancellationToken);

        EngineEvent[] events;
        var maxSequence = fromSequence;
        // The counter moves to the highest cursor given, so an event erased meanwhile leaves a gap, never a reuse.
        await using (var assign = new NpgsqlCommand("""
            WITH waiting AS (
                SELECT event_seq, row_number() OVER (ORDER BY event_seq) AS n
                FROM (SELECT event_seq FROM events
                      WHERE tenant_id = $1 AND cursor IS NULL AND event_seq > $4
                      ORDER BY event_seq LIMIT $2) pending
            ), assigned AS (
                UPDATE events e SET cursor = $3 + w.n
                FROM waiting w WHERE e.event_seq = w.event_seq
                RETURNING e.cursor, e.event_id, e.type, e.subject, e.occurred_at, e.data::text AS data, e.event_seq, e.data_sealed
            ), moved AS (
                UPDATE event_cursors SET last_cursor = (SELECT max(cursor) FROM assigned)
                WHERE tenant_id = $1 AND EXISTS (SELECT 1 FROM assigned)
            )
            SELECT cursor, event_id, type, subject, occurred_at, data, event_seq, data_sealed FROM assigned
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
                var type = reader.GetString(2);
                assigned.Add(new EngineEvent(reader.GetInt64(0), reader.GetString(1), tenantId, type, reader.GetString(3),
                    reader.GetFieldValue<DateTimeOffset>(4), await OpenDataAsync(cipher, reader, tenantId, type, clearOrdinal: 5, sealedOrdinal: 7)));
                maxSequence = Math.Max(maxSequence, reader.GetInt64(6));
            }

            events = assigned.OrderBy(e => e.Cursor).ToArray();
        }

        await transaction.CommitAsync(cancellationToken);
        return (events, maxSequence);
    }

    // The tenant's counter, locked for this transaction; created (once per tenant) when it is missing.
    private static async Task<long> LockCounterAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string tenantId, CancellationToken cancellationToken)
    {
        await using var lockCounter = new NpgsqlCommand("SELECT last_cursor FROM event_cursors WHERE tenant_id = $1 FOR UPDATE", connection, transaction);
        lockCounter.Parameters.Add(new() { Value = tenantId });
        if (await lockCounter.ExecuteScalarAsync(cancellationToken) is long last)
        {
            return last;
        }

        await using (var create = new NpgsqlCommand(
            "INSERT INTO event_cursors (tenant_id, last_cursor) VALUES ($1, 0) ON CONFLICT (tenant_id) DO NOTHING", connection, transaction))
        {
            create.Parameters.Add(new() { Value = tenantId });
            await create.ExecuteNonQueryAsync(cancellationToken);
        }

        return (long)(await lockCounter.ExecuteScalarAsync(cancellationToken))!;
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
            var type = reader.GetString(2);
            events.Add(new EngineEvent(reader.GetInt64(0), reader.GetString(1), tenantId, type, reader.GetString(3),
                reader.GetFieldValue<DateTimeOffset>(4), await OpenDataAsync(cipher, reader, tenantId, type, clearOrdinal: 5, sealedOrdinal: 6)));
        }

        return events;
    }

    /// <summary>
    /// The data of an events row (PostgresLeadHistory reads them too): sealed data are the bytes .NET
    /// wrote; clear data come from SQL and are given those bytes (<see cref="EventJson.OfStored"/>).
    /// </summary>
    internal static async ValueTask<string> OpenDataAsync(
        PayloadCipher cipher, NpgsqlDataReader reader, string tenantId, string type, int clearOrdinal, int sealedOrdinal) =>
        reader.IsDBNull(sealedOrdinal)
            ? EventJson.OfStored(type, await cipher.OpenEventDataAsync(tenantId, null, reader.IsDBNull(clearOrdinal) ? null : reader.GetString(clearOrdinal)))
            : await cipher.OpenEventDataAsync(tenantId, reader.GetFieldValue<byte[]>(sealedOrdinal), null);
}
