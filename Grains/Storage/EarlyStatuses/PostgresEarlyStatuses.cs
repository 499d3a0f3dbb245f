using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Messages;
using Npgsql;

namespace Engine.Grains.Storage.EarlyStatuses;

/// <summary>Early statuses in PostgreSQL's early_statuses table.</summary>
public sealed class PostgresEarlyStatuses(NpgsqlDataSource dataSource) : IEarlyStatuses
{
    public async Task<bool> ParkUnlessKnownAsync(string tenantId, StatusReport report, CancellationToken cancellationToken = default)
    {
        // One statement: the check and the insert see the same snapshot of message_log.
        await using var command = dataSource.CreateCommand("""
            INSERT INTO early_statuses (tenant_id, provider, provider_message_id, status, error_code, occurred_at)
            SELECT $1, $2, $3, $4, $5, $6
            WHERE NOT EXISTS (SELECT 1 FROM message_log WHERE tenant_id = $1 AND provider = $2 AND provider_message_id = $3)
            ON CONFLICT DO NOTHING
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = report.Provider.ToWireName() });
        command.Parameters.Add(new() { Value = report.ProviderMessageId });
        command.Parameters.Add(new() { Value = report.Status.ToWireName() });
        command.Parameters.Add(new() { Value = (object?)report.ErrorCode ?? DBNull.Value });
        command.Parameters.Add(new() { Value = report.OccurredAt.ToUniversalTime() });
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    public async Task<IReadOnlyList<StatusReport>> FindAsync(string tenantId, IReadOnlyCollection<string> providerMessageIds, CancellationToken cancellationToken = default)
    {
        if (providerMessageIds.Count == 0)
        {
            return [];
        }

        await using var command = dataSource.CreateCommand("""
            SELECT provider, provider_message_id, status, error_code, occurred_at
            FROM early_statuses WHERE tenant_id = $1 AND provider_message_id = ANY($2)
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = providerMessageIds.ToArray() });
        var parked = new List<StatusReport>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        while (await reader.ReadAsync(cancellationToken))
        {
            if (MessageNames.TryParseStatus(reader.GetString(2), out var status))
            {
                parked.Add(new StatusReport(
                    Enum.Parse<Provider>(reader.GetString(0), ignoreCase: true), reader.GetString(1), status,
                    reader.IsDBNull(3) ? null : reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4)));
            }
        }

        return parked;
    }

    public async Task DiscardAsync(string tenantId, StatusReport report, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "DELETE FROM early_statuses WHERE tenant_id = $1 AND provider = $2 AND provider_message_id = $3 AND status = $4");
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = report.Provider.ToWireName() });
        command.Parameters.Add(new() { Value = report.ProviderMessageId });
        command.Parameters.Add(new() { Value = report.Status.ToWireName() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
