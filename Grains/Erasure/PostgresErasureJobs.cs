using System.Text.Json;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;
using Npgsql;

namespace Engine.Grains.Erasure;

/// <summary>Erasure jobs in erasure_jobs, their suppression records in suppressions.</summary>
public sealed class PostgresErasureJobs(NpgsqlDataSource dataSource) : IErasureJobs
{
    private const string Columns = "tenant_id, address_hash, lead_address, identifiers, requested_by, requested_at, finished_at, removed::text, stream_cursors";

    public async Task<ErasureJob?> FindAsync(string tenantId, string addressHash, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"SELECT {Columns} FROM erasure_jobs WHERE tenant_id = $1 AND address_hash = $2");
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = addressHash });
        var found = await ReadAsync(command, cancellationToken);
        return found.Count > 0 ? found[0] : null;
    }

    public async Task<ErasureJob> BeginAsync(ErasureJob job, IReadOnlyList<Suppression> suppressions, CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection, transaction);
        foreach (var suppression in suppressions)
        {
            var suppress = new NpgsqlBatchCommand("""
                INSERT INTO suppressions (tenant_id, address_hash, channel, source, opted_out_at) VALUES ($1, $2, $3, $4, $5)
                ON CONFLICT (tenant_id, address_hash, channel) DO UPDATE SET source = excluded.source, opted_out_at = excluded.opted_out_at
                """);
            suppress.Parameters.Add(new() { Value = job.TenantId });
            suppress.Parameters.Add(new() { Value = job.AddressHash });
            suppress.Parameters.Add(new() { Value = suppression.Channel.ToWireName() });
            suppress.Parameters.Add(new() { Value = suppression.Source.ToWireName() });
            suppress.Parameters.Add(new() { Value = suppression.OptedOutAt.ToUniversalTime() });
            batch.BatchCommands.Add(suppress);
        }

        // A finished job is reopened for a person who came back; an unfinished one is kept as it is.
        var begin = new NpgsqlBatchCommand("""
            INSERT INTO erasure_jobs (tenant_id, address_hash, lead_address, identifiers, requested_by, requested_at) VALUES ($1, $2, $3, $4, $5, $6)
            ON CONFLICT (tenant_id, address_hash) DO UPDATE
                SET lead_address = excluded.lead_address, identifiers = excluded.identifiers, requested_by = excluded.requested_by,
                    requested_at = excluded.requested_at, finished_at = NULL, removed = '{}', stream_cursors = '{}'
                WHERE erasure_jobs.finished_at IS NOT NULL
            """);
        begin.Parameters.Add(new() { Value = job.TenantId });
        begin.Parameters.Add(new() { Value = job.AddressHash });
        begin.Parameters.Add(new() { Value = job.LeadAddress! });
        begin.Parameters.Add(new() { Value = job.Identifiers.ToArray() });
        begin.Parameters.Add(new() { Value = job.RequestedBy });
        begin.Parameters.Add(new() { Value = job.RequestedAt.ToUniversalTime() });
        batch.BatchCommands.Add(begin);
        var read = new NpgsqlBatchCommand($"SELECT {Columns} FROM erasure_jobs WHERE tenant_id = $1 AND address_hash = $2");
        read.Parameters.Add(new() { Value = job.TenantId });
        read.Parameters.Add(new() { Value = job.AddressHash });
        batch.BatchCommands.Add(read);

        ErasureJob stored;
        await using (var reader = await batch.ExecuteReaderAsync(cancellationToken))
        {
            while (reader.FieldCount == 0 && await reader.NextResultAsync(cancellationToken))
            {
            }

            await reader.ReadAsync(cancellationToken);
            stored = Read(reader);
        }

        await transaction.CommitAsync(cancellationToken);
        return stored;
    }

    public async Task FinishAsync(string tenantId, string addressHash, IReadOnlyDictionary<string, int> removed, DateTimeOffset finishedAt, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE erasure_jobs SET finished_at = $3, removed = $4::jsonb, lead_address = NULL, identifiers = '{}', stream_cursors = '{}'
            WHERE tenant_id = $1 AND address_hash = $2
            """);
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = addressHash });
        command.Parameters.Add(new() { Value = finishedAt.ToUniversalTime() });
        command.Parameters.Add(new() { Value = JsonSerializer.Serialize(removed) });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    public async Task<IReadOnlyList<ErasureJob>> ListUnfinishedAsync(DateTimeOffset before, int limit, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand($"""
            SELECT {Columns} FROM erasure_jobs WHERE finished_at IS NULL AND requested_at < $1 ORDER BY requested_at LIMIT $2
            """);
        command.Parameters.Add(new() { Value = before.ToUniversalTime() });
        command.Parameters.Add(new() { Value = limit });
        return await ReadAsync(command, cancellationToken);
    }

    private static async Task<IReadOnlyList<ErasureJob>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var jobs = new List<ErasureJob>();
        while (await reader.ReadAsync(cancellationToken))
        {
            jobs.Add(Read(reader));
        }

        return jobs;
    }

    private static ErasureJob Read(NpgsqlDataReader reader) => new(
        reader.GetString(0), reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2), reader.GetFieldValue<string[]>(3),
        reader.GetString(4), reader.GetFieldValue<DateTimeOffset>(5), reader.IsDBNull(6) ? null : reader.GetFieldValue<DateTimeOffset>(6),
        JsonSerializer.Deserialize<Dictionary<string, int>>(reader.GetString(7)), reader.GetFieldValue<long[]>(8));
}

/// <summary>The suppression list in PostgreSQL's suppressions table.</summary>
public sealed class PostgresSuppressionList(NpgsqlDataSource dataSource) : ISuppressionList
{
    public async Task<IReadOnlyList<Suppression>> FindAsync(string tenantId, string addressHash, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT channel, source, opted_out_at FROM suppressions WHERE tenant_id = $1 AND address_hash = $2");
        command.Parameters.Add(new() { Value = tenantId });
        command.Parameters.Add(new() { Value = addressHash });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var found = new List<Suppression>();
        while (await reader.ReadAsync(cancellationToken))
        {
            if (ChannelNames.TryParse(reader.GetString(0), out var channel))
            {
                found.Add(new Suppression(channel, ConsentNames.ParseSource(reader.GetString(1)), reader.GetFieldValue<DateTimeOffset>(2)));
            }
        }

        return found;
    }
}
