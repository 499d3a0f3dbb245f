using Engine.Grains.Encryption;
using Npgsql;
using Engine.Grains.Storage.Automation;
using Engine.Grains.Storage.Events;

namespace Engine.Grains.Storage.LeadHistory;

/// <summary>A lead's fired steps and events, from automation_firings and events.</summary>
public sealed class PostgresLeadHistory(NpgsqlDataSource dataSource, PayloadCipher cipher) : ILeadHistory
{
    public async Task<IReadOnlyList<AutomationFiring>> ReadFiringsAsync(string tenantId, string leadPhone, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT run_id, step, playbook_id, due_at, fired_at, message_id, outcome
            FROM automation_firings WHERE tenant_id = $1 AND lead_phone = $2 ORDER BY fired_at, run_id, step
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = leadPhone });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var firings = new List<AutomationFiring>();
        while (await reader.ReadAsync(cancellationToken))
        {
            firings.Add(new AutomationFiring(tenantId, leadPhone, reader.GetString(0), reader.GetInt32(1), reader.GetString(2),
                reader.GetFieldValue<DateTimeOffset>(3), reader.GetFieldValue<DateTimeOffset>(4), reader.IsDBNull(5) ? null : reader.GetGuid(5), reader.GetString(6)));
        }

        return firings;
    }

    public async Task<IReadOnlyList<StoredEvent>> ReadEventsAsync(string tenantId, string leadPhone, long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT event_seq, cursor, event_id, type, subject, occurred_at, data::text, data_sealed
            FROM events WHERE tenant_id = $1 AND lead_phone = $2 AND event_seq > $3 ORDER BY event_seq LIMIT $4
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = leadPhone });
        command.Parameters.Add(new() { Value = afterSequence });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var events = new List<StoredEvent>();
        while (await reader.ReadAsync(cancellationToken))
        {
            var type = reader.GetString(3);
            events.Add(new StoredEvent(reader.GetInt64(0), reader.IsDBNull(1) ? null : reader.GetInt64(1), reader.GetString(2), type,
                reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5),
                await PostgresEventLog.OpenDataAsync(cipher, reader, tenantId, type, clearOrdinal: 6, sealedOrdinal: 7)));
        }

        return events;
    }
}
