using Npgsql;
using NpgsqlTypes;

namespace Engine.Grains.Storage;

/// <summary>Array parameters and returned keys for statements that write a batch of rows through <c>unnest</c>.</summary>
internal static class BatchParameters
{
    /// <summary>Adds one column of the batch; <paramref name="elementType"/> where the CLR type alone does not say (bytea, jsonb).</summary>
    public static void AddColumn<T>(this NpgsqlCommand command, T[] values, NpgsqlDbType? elementType = null) =>
        command.Parameters.Add(elementType is { } type
            ? new NpgsqlParameter { Value = values, NpgsqlDbType = NpgsqlDbType.Array | type }
            : new NpgsqlParameter { Value = values });

    /// <summary>Runs the statement and collects the first column it returns: the keys of the rows it wrote.</summary>
    public static async Task<HashSet<T>> ReadKeysAsync<T>(this NpgsqlCommand command)
    {
        var keys = new HashSet<T>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            keys.Add(reader.GetFieldValue<T>(0));
        }

        return keys;
    }
}
