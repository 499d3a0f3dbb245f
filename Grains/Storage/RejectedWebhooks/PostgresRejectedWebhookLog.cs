using Engine.Grains.Abstractions.Messages;
using Npgsql;

namespace Engine.Grains.Storage.RejectedWebhooks;

/// <summary>The rejected-webhook log in PostgreSQL's rejected_webhooks table.</summary>
public sealed class PostgresRejectedWebhookLog(NpgsqlDataSource dataSource) : IRejectedWebhookLog
{
    public async Task RecordAsync(IReadOnlyList<RejectedWebhook> items, CancellationToken cancellationToken = default)
    {
        if (items.Count == 0)
        {
            return;
        }

        await using var batch = dataSource.CreateBatch();
        foreach (var item in items)
        {
            var command = new NpgsqlBatchCommand("""
                INSERT INTO rejected_webhooks (id, tenant_id, provider, kind, code, reason, raw, raw_truncated, received_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
                ON CONFLICT (id) DO NOTHING
                """);
            command.Parameters.Add(new() { Value = item.Id });
            command.Parameters.Add(new() { Value = item.TenantId });
            command.Parameters.Add(new() { Value = item.Provider.ToWireName() });
            command.Parameters.Add(new() { Value = item.Kind });
            command.Parameters.Add(new() { Value = item.Code });
            command.Parameters.Add(new() { Value = item.Reason });
            command.Parameters.Add(new() { Value = item.Raw });
            command.Parameters.Add(new() { Value = item.RawTruncated });
            command.Parameters.Add(new() { Value = item.ReceivedAt.ToUniversalTime() });
            batch.BatchCommands.Add(command);
        }

        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<RejectedWebhook>> ListAsync(
        string tenantId, RejectedWebhookCursor? after, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT id, provider, kind, code, reason, raw, raw_truncated, received_at
            FROM rejected_webhooks
            WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR (received_at, id) < ($2, $3::text))
            ORDER BY received_at DESC, id DESC
            LIMIT $4
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = after is { } a ? a.ReceivedAt.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = (object?)after?.Id ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var items = new List<RejectedWebhook>();
        while (await reader.ReadAsync(cancellationToken))
        {
            items.Add(new RejectedWebhook(
                reader.GetString(0), tenantId, Enum.Parse<Provider>(reader.GetString(1), ignoreCase: true), reader.GetString(2),
                reader.GetString(3), reader.GetString(4), reader.GetString(5), reader.GetBoolean(6), reader.GetFieldValue<DateTimeOffset>(7)));
        }

        return items;
    }
}
