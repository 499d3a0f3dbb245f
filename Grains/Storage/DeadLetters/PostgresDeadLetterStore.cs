using Npgsql;

namespace Engine.Grains.Storage.DeadLetters;

/// <summary>Dead letters in PostgreSQL's webhook_dead_letters table.</summary>
public sealed class PostgresDeadLetterStore(NpgsqlDataSource dataSource) : IDeadLetterStore
{
    public async Task ParkAsync(DeadLetter letter, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            INSERT INTO webhook_dead_letters (tenant_id, subscription_id, cursor, event_id, event_type, attempts, last_error, first_failed_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
            ON CONFLICT DO NOTHING
            """);
        command.Parameters.Add(new() { Value = letter.TenantId });
        command.Parameters.Add(new() { Value = letter.SubscriptionId });
        command.Parameters.Add(new() { Value = letter.Cursor });
        command.Parameters.Add(new() { Value = letter.EventId });
        command.Parameters.Add(new() { Value = letter.EventType });
        command.Parameters.Add(new() { Value = letter.Attempts });
        command.Parameters.Add(new() { Value = (object?)letter.LastError ?? DBNull.Value });
        command.Parameters.Add(new() { Value = letter.FirstFailedAt.ToUniversalTime() });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<DeadLetter>> ListAsync(string tenantId, DeadLetterCursor? after, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT subscription_id, cursor, event_id, event_type, attempts, last_error, first_failed_at, parked_at
            FROM webhook_dead_letters
            WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR (parked_at, cursor, subscription_id) < ($2, $3::bigint, $4::text))
            ORDER BY parked_at DESC, cursor DESC, subscription_id DESC
            LIMIT $5
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = after is { } a ? a.ParkedAt.ToUniversalTime() : DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.TimestampTz });
        command.Parameters.Add(new() { Value = (object?)after?.Cursor ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Bigint });
        command.Parameters.Add(new() { Value = (object?)after?.SubscriptionId ?? DBNull.Value, NpgsqlDbType = NpgsqlTypes.NpgsqlDbType.Text });
        command.Parameters.Add(new() { Value = limit });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var letters = new List<DeadLetter>();
        while (await reader.ReadAsync(cancellationToken))
        {
            letters.Add(new DeadLetter(tenantId, reader.GetString(0), reader.GetInt64(1), reader.GetString(2), reader.GetString(3), reader.GetInt32(4),
                reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetFieldValue<DateTimeOffset>(6), reader.GetFieldValue<DateTimeOffset>(7)));
        }

        return letters;
    }
}
