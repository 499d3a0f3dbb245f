using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Conversations;
using Npgsql;

namespace Engine.Grains.Storage.SendRequests;

/// <summary>Idempotency records in PostgreSQL's send_requests table.</summary>
public sealed class PostgresSendRequests(NpgsqlDataSource dataSource) : ISendRequests
{
    public async Task<StoredSend?> FindAsync(string tenantId, string idempotencyKey, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT lead_phone, channel, message_id, disposition, rejection, reason, scheduled_for
            FROM send_requests WHERE tenant_id = $1 AND idempotency_key = $2
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = idempotencyKey });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return null;
        }

        return new StoredSend(tenantId, idempotencyKey, reader.GetString(0), ChannelNames.Parse(reader.GetString(1)), new SendResult(
            reader.GetGuid(2),
            Enum.Parse<SendDisposition>(reader.GetString(3)),
            Enum.Parse<RejectionCode>(reader.GetString(4)),
            reader.IsDBNull(5) ? null : reader.GetString(5),
            reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6)));
    }

    public async Task RecordAsync(StoredSend send, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO send_requests (tenant_id, idempotency_key, lead_phone, channel, message_id, disposition, rejection, reason, scheduled_for)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
            ON CONFLICT (tenant_id, idempotency_key) DO NOTHING
            """);
        command.Parameters.Add(new() { Value = send.TenantId });
        command.Parameters.Add(new() { Value = send.IdempotencyKey });
        command.Parameters.Add(new() { Value = send.LeadPhone });
        command.Parameters.Add(new() { Value = send.Channel.ToWireName() });
        command.Parameters.Add(new() { Value = send.Result.MessageId });
        command.Parameters.Add(new() { Value = send.Result.Disposition.ToString() });
        command.Parameters.Add(new() { Value = send.Result.Rejection.ToString() });
        command.Parameters.Add(new() { Value = (object?)send.Result.Reason ?? DBNull.Value });
        command.Parameters.Add(new() { Value = (object?)send.Result.ScheduledFor?.ToUniversalTime() ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
