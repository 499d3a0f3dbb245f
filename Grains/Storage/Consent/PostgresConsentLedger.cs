using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;
using Npgsql;
using Engine.Grains.Storage.Events;

namespace Engine.Grains.Storage.Consent;

/// <summary>The consent ledger in PostgreSQL's consent_ledger table.</summary>
public sealed class PostgresConsentLedger(NpgsqlDataSource dataSource, IEventNotifier notifier) : IConsentLedger
{
    public async Task AppendAsync(IReadOnlyList<ConsentLedgerEntry> entries, CancellationToken cancellationToken = default)
    {
        await using var batch = dataSource.CreateBatch();
        foreach (var entry in entries)
        {
            // The ledger row and its consent.changed event in one statement.
            var command = new NpgsqlBatchCommand("""
                WITH inserted AS (
                    INSERT INTO consent_ledger
                        (entry_id, tenant_id, lead_phone, channel, previous_status, status, source, evidence, occurred_at,
                         outcome, change_id, fingerprint)
                    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                    ON CONFLICT (tenant_id, lead_phone, entry_id) DO NOTHING
                    RETURNING *
                )
                INSERT INTO events (event_id, tenant_id, type, subject, lead_phone, occurred_at, data)
                SELECT 'consent.changed/' || tenant_id || '/' || lead_phone || '/' || entry_id, tenant_id, 'consent.changed',
                       lead_phone, lead_phone, occurred_at,
                       jsonb_build_object('phone', lead_phone, 'channel', channel, 'previousStatus', previous_status,
                                          'status', status, 'source', source, 'evidence', evidence, 'outcome', outcome)
                FROM inserted
                ON CONFLICT (event_id) DO NOTHING
                """);
            command.Parameters.Add(new() { Value = entry.EntryId });
            command.Parameters.Add(new() { Value = entry.TenantId });
            command.Parameters.Add(new() { Value = entry.LeadPhone });
            command.Parameters.Add(new() { Value = entry.Channel.ToWireName() });
            command.Parameters.Add(new() { Value = entry.PreviousStatus.ToWireName() });
            command.Parameters.Add(new() { Value = entry.Status.ToWireName() });
            command.Parameters.Add(new() { Value = entry.Source.ToWireName() });
            command.Parameters.Add(new() { Value = (object?)entry.Evidence ?? DBNull.Value });
            command.Parameters.Add(new() { Value = entry.OccurredAt.ToUniversalTime() });
            command.Parameters.Add(new() { Value = ConsentLedgerNames.Outcome(entry.Outcome) });
            command.Parameters.Add(new() { Value = (object?)entry.ChangeId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            command.Parameters.Add(new() { Value = (object?)entry.Fingerprint ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
            batch.BatchCommands.Add(command);
        }

        if (batch.BatchCommands.Count > 0 && await batch.ExecuteNonQueryAsync(cancellationToken) > 0)
        {
            notifier.Notify(entries[0].TenantId);
        }
    }

    public async Task<IReadOnlyList<ConsentLedgerEntry>> ReadAsync(
        string tenantId, string leadPhone, long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT entry_id, channel, previous_status, status, source, evidence, occurred_at, outcome, change_id, fingerprint, seq, recorded_at
            FROM consent_ledger
            WHERE tenant_id = $1 AND lead_phone = $2 AND seq > $3
            ORDER BY seq
            LIMIT $4
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = leadPhone });
        command.Parameters.Add(new() { Value = afterSequence });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<ConsentLedgerEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new ConsentLedgerEntry(
                reader.GetString(0), tenantId, leadPhone, ChannelNames.Parse(reader.GetString(1)),
                ConsentNames.ParseStatus(reader.GetString(2)), ConsentNames.ParseStatus(reader.GetString(3)),
                ConsentNames.ParseSource(reader.GetString(4)),
                reader.IsDBNull(5) ? null : reader.GetString(5),
                reader.GetFieldValue<DateTimeOffset>(6),
                ConsentLedgerNames.ParseOutcome(reader.GetString(7)),
                reader.IsDBNull(8) ? null : reader.GetString(8),
                reader.IsDBNull(9) ? null : reader.GetString(9),
                reader.GetInt64(10),
                reader.GetFieldValue<DateTimeOffset>(11)));
        }

        return entries;
    }

    public async Task<string?> FindFingerprintAsync(string tenantId, string leadPhone, string changeId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT fingerprint FROM consent_ledger WHERE tenant_id = $1 AND lead_phone = $2 AND change_id = $3 LIMIT 1
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = leadPhone });
        command.Parameters.Add(new() { Value = changeId });
        return await command.ExecuteScalarAsync(cancellationToken) as string;
    }
}
