using System.Text.Json;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Engine.Grains.Storage.Events;

namespace Engine.Grains.Erasure;

/// <summary>
/// Removes a person from every table in one transaction: the engine's own (found by tenant and
/// address, or by the records those point to), the rejected webhooks whose payload names them, and
/// Orleans' grain-state and reminder rows of their grains; lead.erased and the job's progress are
/// written in the same transaction.
/// </summary>
public sealed class PostgresPersonalRecords(NpgsqlDataSource dataSource, IOptions<ClusterOptions> cluster) : IPersonalRecords
{
    // Each statement returns (store, removed[, cursors]). $1 tenant, $2 address, $3 search terms, $4 grain
    // keys, $5 reminder grain ids, $6 service id. Dead letters and early statuses are found through the
    // events and messages they belong to, so those are removed in the same statement as their parents.
    private static readonly string[] Removals =
    [
        """
        WITH m AS (DELETE FROM message_log WHERE tenant_id = $1 AND lead_phone = $2 RETURNING provider, provider_message_id),
             s AS (DELETE FROM early_statuses e USING m
                   WHERE e.tenant_id = $1 AND e.provider = m.provider AND e.provider_message_id = m.provider_message_id RETURNING 1)
        SELECT 'message_log', (SELECT count(*) FROM m) UNION ALL SELECT 'early_statuses', (SELECT count(*) FROM s)
        """,
        "WITH d AS (DELETE FROM consent_ledger WHERE tenant_id = $1 AND lead_phone = $2 RETURNING 1) SELECT 'consent_ledger', count(*) FROM d",
        "WITH d AS (DELETE FROM send_requests WHERE tenant_id = $1 AND lead_phone = $2 RETURNING 1) SELECT 'send_requests', count(*) FROM d",
        "WITH d AS (DELETE FROM automation_firings WHERE tenant_id = $1 AND lead_phone = $2 RETURNING 1) SELECT 'automation_firings', count(*) FROM d",
        "WITH d AS (DELETE FROM lead_directory WHERE tenant_id = $1 AND lead_phone = $2 RETURNING 1) SELECT 'lead_directory', count(*) FROM d",
        // The audit trail keeps what was done, not to whom: entries about the person lose their address.
        "WITH a AS (UPDATE audit_log SET subject = 'erased' WHERE tenant_id = $1 AND (subject = $2 OR subject = ANY($3)) RETURNING 1) SELECT 'audit_log', count(*) FROM a",
        """
        WITH r AS (DELETE FROM rejected_webhooks WHERE tenant_id = $1 AND EXISTS (SELECT 1 FROM unnest($3::text[]) t WHERE strpos(raw, t) > 0) RETURNING 1)
        SELECT 'rejected_webhooks', count(*) FROM r
        """,
        """
        WITH g AS (DELETE FROM OrleansStorage WHERE GrainIdExtensionString = ANY($4) RETURNING 1),
             r AS (DELETE FROM OrleansRemindersTable WHERE ServiceId = $6 AND GrainId = ANY($5) RETURNING 1)
        SELECT 'grain_state', (SELECT count(*) FROM g) UNION ALL SELECT 'reminders', (SELECT count(*) FROM r)
        """,
    ];

    private const string EventRemoval = """
        WITH e AS (DELETE FROM events WHERE tenant_id = $1 AND lead_phone = $2 RETURNING event_id, cursor),
             d AS (DELETE FROM webhook_dead_letters l USING e WHERE l.tenant_id = $1 AND l.event_id = e.event_id RETURNING 1)
        SELECT (SELECT count(*) FROM e), (SELECT count(*) FROM d), (SELECT coalesce(array_agg(cursor), '{}') FROM e WHERE cursor IS NOT NULL)
        """;

    public async Task<RemovedRecords> RemoveAsync(ErasureScope scope, EventDraft erased, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var mark = new NpgsqlCommand("SELECT set_config('engine.erasure', 'on', true)", connection, transaction))
        {
            await mark.ExecuteNonQueryAsync(cancellationToken); // lets this transaction, and only it, delete ledger rows and redact audit entries
        }

        var counts = new Dictionary<string, int>(scope.Job.Removed ?? new Dictionary<string, int>());
        void Add(string store, long removed) => counts[store] = counts.GetValueOrDefault(store) + (int)removed;
        foreach (var sql in Removals)
        {
            await using var command = Command(sql, scope, connection, transaction);
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                Add(reader.GetString(0), reader.GetInt64(1));
            }
        }

        long[] cursors;
        await using (var command = Command(EventRemoval, scope, connection, transaction))
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            Add("events", reader.GetInt64(0));
            Add("webhook_dead_letters", reader.GetInt64(1));
            cursors = [.. scope.Job.StreamCursors ?? [], .. reader.GetFieldValue<long[]>(2)];
        }

        await using (var record = new NpgsqlCommand("""
            WITH job AS (UPDATE erasure_jobs SET removed = $3::jsonb, stream_cursors = $4 WHERE tenant_id = $1 AND address_hash = $2)
            INSERT INTO events (event_id, tenant_id, type, subject, lead_phone, occurred_at, data)
            VALUES ($5, $1, $6, $2, NULL, $7, $8::jsonb)
            ON CONFLICT (event_id) DO NOTHING
            """, connection, transaction))
        {
            record.Parameters.Add(new() { Value = scope.TenantId });
            record.Parameters.Add(new() { Value = scope.Job.AddressHash });
            record.Parameters.Add(new() { Value = JsonSerializer.Serialize(counts) });
            record.Parameters.Add(new() { Value = cursors });
            record.Parameters.Add(new() { Value = erased.EventId });
            record.Parameters.Add(new() { Value = erased.Type });
            record.Parameters.Add(new() { Value = erased.OccurredAt.ToUniversalTime() });
            record.Parameters.Add(new() { Value = erased.DataJson });
            await record.ExecuteNonQueryAsync(cancellationToken);
        }

        await transaction.CommitAsync(cancellationToken);
        return new RemovedRecords(counts, cursors);
    }

    private NpgsqlCommand Command(string sql, ErasureScope scope, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        command.Parameters.Add(new() { Value = scope.TenantId });
        command.Parameters.Add(new() { Value = scope.Address });
        command.Parameters.Add(new() { Value = scope.SearchTerms.ToArray() });
        command.Parameters.Add(new() { Value = scope.GrainStateKeys.ToArray() });
        command.Parameters.Add(new() { Value = scope.ReminderGrainIds.ToArray() });
        command.Parameters.Add(new() { Value = cluster.Value.ServiceId });
        return command;
    }
}
