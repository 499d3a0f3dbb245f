using Npgsql;
using NpgsqlTypes;

namespace Engine.Grains.Storage.Audit;

/// <summary>The audit log in PostgreSQL's audit_log table (a trigger refuses UPDATE, DELETE and TRUNCATE).</summary>
public sealed class PostgresAuditLog(NpgsqlDataSource dataSource) : IAuditLog
{
    public async Task AppendAsync(string tenantId, string actorKeyId, string action, string subject, string? details, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "INSERT INTO audit_log (tenant_id, actor_key_id, action, subject, details) VALUES ($1, $2, $3, $4, $5)");
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = actorKeyId });
        command.Parameters.Add(new() { Value = action });
        command.Parameters.Add(new() { Value = subject });
        command.Parameters.Add(new() { Value = (object?)details ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Text });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<AuditEntry>> ReadAsync(string tenantId, long afterSequence, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT seq, actor_key_id, action, subject, details, occurred_at FROM audit_log
            WHERE tenant_id = $1 AND seq > $2 ORDER BY seq LIMIT $3
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = afterSequence });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var entries = new List<AuditEntry>();
        while (await reader.ReadAsync(cancellationToken))
        {
            entries.Add(new AuditEntry(reader.GetInt64(0), tenantId, reader.GetString(1), reader.GetString(2), reader.GetString(3),
                reader.IsDBNull(4) ? null : reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5)));
        }

        return entries;
    }
}
