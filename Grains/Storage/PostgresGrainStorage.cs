using System.Globalization;
using System.Text;
using Npgsql;
using NpgsqlTypes;
using Orleans.Serialization.Serializers;
using Orleans.Storage;

namespace Engine.Grains.Storage;

/// <summary>
/// Grain state on PostgreSQL, in the <c>OrleansStorage</c> rows of deploy/sql/03 with the keys, hashes
/// and versions Orleans' ADO.NET provider gives them (rows written by either are read by the other), but
/// the reads and writes of concurrent grains share statements through <see cref="GroupCommit{TItem,TResult}"/>.
/// A burst of new leads activates hundreds of lead grains at once; with one round trip (and one commit)
/// per grain, reading and writing their state was half of the statements each new lead cost.
/// </summary>
internal sealed class PostgresGrainStorage : IGrainStorage
{
    private readonly NpgsqlDataSource _database;
    private readonly IGrainStorageSerializer _serializer;
    private readonly IActivatorProvider _activators;
    private readonly string _serviceId;
    private readonly GroupCommit<StateRow, Stored?> _reads;
    private readonly GroupCommit<StateWrite, int?> _writes;

    public PostgresGrainStorage(NpgsqlDataSource database, IGrainStorageSerializer serializer, IActivatorProvider activators, string serviceId)
    {
        (_database, _serializer, _activators, _serviceId) = (database, serializer, activators, serviceId);
        _reads = new(ReadBatchAsync, row => row);
        _writes = new(WriteBatchAsync, write => write.Row);
    }

    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var stored = await _reads.SubmitAsync(StateRow.Of(stateName, grainId));
        grainState.State = stored?.Payload is { } payload ? _serializer.Deserialize<T>(new BinaryData(payload))! : Create<T>();
        grainState.ETag = stored?.Version.ToString(CultureInfo.InvariantCulture);
        grainState.RecordExists = stored?.Payload is not null;
    }

    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        var payload = _serializer.Serialize(grainState.State).ToArray();
        grainState.ETag = await WriteAsync(stateName, grainId, grainState.ETag, payload);
        grainState.RecordExists = true;
    }

    /// <summary>Empties the row (as the ADO.NET provider does: the row and its version stay).</summary>
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState)
    {
        if (!string.IsNullOrWhiteSpace(grainState.ETag))
        {
            grainState.ETag = await WriteAsync(stateName, grainId, grainState.ETag, payload: null);
        }

        grainState.State = Create<T>();
        grainState.RecordExists = false;
    }

    private async Task<string> WriteAsync(string stateName, GrainId grainId, string? etag, byte[]? payload)
    {
        int? expected = string.IsNullOrWhiteSpace(etag) ? null : int.Parse(etag, CultureInfo.InvariantCulture);
        var written = await _writes.SubmitAsync(new StateWrite(StateRow.Of(stateName, grainId), expected, payload));
        return written?.ToString(CultureInfo.InvariantCulture)
            ?? throw new InconsistentStateException(
                $"Version conflict writing {stateName} of {grainId}: the stored version is not {etag ?? "absent"} (another activation wrote it)");
    }

    private T Create<T>() => _activators.GetActivator<T>().Create();

    private const string RowMatches = """
        s.GrainIdHash = i.id_hash AND s.GrainTypeHash = i.type_hash AND s.ServiceId = $7
          AND s.GrainTypeString = i.state_name AND s.GrainIdN0 = i.n0 AND s.GrainIdN1 = i.n1
          AND COALESCE(s.GrainIdExtensionString, '') = COALESCE(i.key_string, '')
        """;

    private async Task<IReadOnlyList<Stored?>> ReadBatchAsync(IReadOnlyList<StateRow> rows)
    {
        await using var command = _database.CreateCommand($"""
            SELECT i.n, s.PayloadBinary, s.Version
            FROM unnest($1::int[], $2::bigint[], $3::bigint[], $4::int[], $5::text[], $6::text[])
                WITH ORDINALITY AS i(id_hash, n0, n1, type_hash, state_name, key_string, n)
            JOIN OrleansStorage s ON {RowMatches}
            """);
        AddRows(command, rows);
        var found = new Stored?[rows.Count];
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            found[reader.GetInt64(0) - 1] = new Stored(reader.IsDBNull(1) ? null : reader.GetFieldValue<byte[]>(1), reader.GetInt32(2));
        }

        return found;
    }

    // An update applies only to the version the grain read; an insert only where no row exists. A row
    // that does neither comes back without a version: another activation wrote it first.
    private async Task<IReadOnlyList<int?>> WriteBatchAsync(IReadOnlyList<StateWrite> writes)
    {
        await using var command = _database.CreateCommand($"""
            WITH i AS (
                SELECT * FROM unnest($1::int[], $2::bigint[], $3::bigint[], $4::int[], $5::text[], $6::text[], $8::int[], $9::bytea[])
                    WITH ORDINALITY AS i(id_hash, n0, n1, type_hash, state_name, key_string, expected, payload, n)
            ), updated AS (
                UPDATE OrleansStorage s
                SET PayloadBinary = i.payload, ModifiedOn = now(), Version = s.Version + 1
                FROM i
                WHERE i.expected IS NOT NULL AND s.Version = i.expected AND {RowMatches}
                RETURNING i.n, s.Version
            ), inserted AS (
                INSERT INTO OrleansStorage (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString,
                                            GrainIdExtensionString, ServiceId, PayloadBinary, Version)
                SELECT id_hash, n0, n1, type_hash, state_name, key_string, $7, payload, 1 FROM i WHERE expected IS NULL
                ON CONFLICT DO NOTHING
                RETURNING GrainIdHash, GrainTypeHash, ServiceId, GrainTypeString, GrainIdN0, GrainIdN1, GrainIdExtensionString
            )
            SELECT n, Version FROM updated
            UNION ALL
            SELECT i.n, 1 FROM inserted s JOIN i ON {RowMatches}
            """);
        AddRows(command, writes.Select(w => w.Row).ToArray());
        command.AddColumn(writes.Select(w => w.ExpectedVersion).ToArray(), NpgsqlDbType.Integer);
        command.AddColumn(writes.Select(w => w.Payload).ToArray(), NpgsqlDbType.Bytea);
        var versions = new int?[writes.Count];
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            versions[reader.GetInt64(0) - 1] = reader.GetInt32(1);
        }

        return versions;
    }

    // $1-$6 describe the rows, $7 is the service.
    private void AddRows(NpgsqlCommand command, IReadOnlyList<StateRow> rows)
    {
        command.AddColumn(rows.Select(r => r.IdHash).ToArray());
        command.AddColumn(rows.Select(r => r.N0).ToArray());
        command.AddColumn(rows.Select(r => r.N1).ToArray());
        command.AddColumn(rows.Select(r => r.TypeHash).ToArray());
        command.AddColumn(rows.Select(r => r.StateName).ToArray());
        command.AddColumn(rows.Select(r => r.KeyString).ToArray(), NpgsqlDbType.Text);
        command.Parameters.Add(new NpgsqlParameter { Value = _serviceId });
    }

    private sealed record Stored(byte[]? Payload, int Version);

    private sealed record StateWrite(StateRow Row, int? ExpectedVersion, byte[]? Payload);
}

/// <summary>
/// How the ADO.NET provider keys a grain's row: a Guid or integer key goes in N0/N1 with its extension as
/// the string, any other key is the string; both hashes are Orleans' stable hash.
/// </summary>
internal sealed record StateRow(string StateName, int TypeHash, int IdHash, long N0, long N1, string? KeyString)
{
    public static StateRow Of(string stateName, GrainId grainId)
    {
        var typeHash = (int)StableHash.ComputeHash(Encoding.UTF8.GetBytes(stateName));
        if (grainId.TryGetGuidKey(out var guid, out var extension))
        {
            var guidBytes = guid.ToByteArray();
            return new(stateName, typeHash, KeyHash([.. guidBytes, .. Utf8(extension)]), BitConverter.ToInt64(guidBytes, 0), BitConverter.ToInt64(guidBytes, 8), extension);
        }

        if (grainId.TryGetIntegerKey(out var integer, out extension))
        {
            return new(stateName, typeHash, KeyHash([.. BitConverter.GetBytes(integer), .. Utf8(extension)]), 0, integer, extension);
        }

        var key = grainId.Key.ToString()!;
        return new(stateName, typeHash, KeyHash(Encoding.UTF8.GetBytes(key)), 0, 0, key);
    }

    private static byte[] Utf8(string? text) => text is null ? [] : Encoding.UTF8.GetBytes(text);

    // The key's bytes are hashed in big-endian order, as the ADO.NET provider does on every platform.
    private static int KeyHash(byte[] bytes)
    {
        if (BitConverter.IsLittleEndian)
        {
            Array.Reverse(bytes);
        }

        return (int)StableHash.ComputeHash(bytes);
    }
}
