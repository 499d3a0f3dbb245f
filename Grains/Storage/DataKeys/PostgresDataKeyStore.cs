using Npgsql;

namespace Engine.Grains.Storage.DataKeys;

/// <summary>The data keys in PostgreSQL's data_keys table.</summary>
public sealed class PostgresDataKeyStore(NpgsqlDataSource dataSource) : IDataKeyStore
{
    public async Task<WrappedDataKey> GetOrAddAsync(WrappedDataKey candidate, CancellationToken cancellationToken = default)
    {
        await using (var insert = dataSource.CreateCommand("INSERT INTO data_keys (scope, kek_id, wrapped) VALUES ($1, $2, $3) ON CONFLICT (scope) DO NOTHING"))
        {
            insert.Parameters.Add(new() { Value = candidate.Scope });
            insert.Parameters.Add(new() { Value = candidate.KekId });
            insert.Parameters.Add(new() { Value = candidate.Wrapped });
            if (await insert.ExecuteNonQueryAsync(cancellationToken) == 1)
            {
                return candidate;
            }
        }

        // Another process stored the scope's key first: a separate statement, so its commit is visible.
        await using var select = dataSource.CreateCommand("SELECT kek_id, wrapped FROM data_keys WHERE scope = $1");
        select.Parameters.Add(new() { Value = candidate.Scope });
        await using var reader = await select.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new WrappedDataKey(candidate.Scope, reader.GetString(0), reader.GetFieldValue<byte[]>(1));
    }

    public async Task<IReadOnlyList<WrappedDataKey>> ListWrappedByOthersAsync(string kekId, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand("SELECT scope, kek_id, wrapped FROM data_keys WHERE kek_id <> $1");
        command.Parameters.Add(new() { Value = kekId });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var keys = new List<WrappedDataKey>();
        while (await reader.ReadAsync(cancellationToken))
        {
            keys.Add(new WrappedDataKey(reader.GetString(0), reader.GetString(1), reader.GetFieldValue<byte[]>(2)));
        }

        return keys;
    }

    public async Task RewrapAsync(WrappedDataKey current, WrappedDataKey rewrapped, CancellationToken cancellationToken = default)
    {
        await using var command = dataSource.CreateCommand(
            "UPDATE data_keys SET kek_id = $3, wrapped = $4, rewrapped_at = now() WHERE scope = $1 AND kek_id = $2");
        command.Parameters.Add(new() { Value = current.Scope });
        command.Parameters.Add(new() { Value = current.KekId });
        command.Parameters.Add(new() { Value = rewrapped.KekId });
        command.Parameters.Add(new() { Value = rewrapped.Wrapped });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
