using Npgsql;
using NpgsqlTypes;

namespace Engine.Grains.Storage;

/// <summary>Array parameters for statements that write a batch of rows through <c>unnest</c>.</summary>
internal static class BatchParameters
{
    /// <summary>Adds one column of the batch; <paramref name="elementType"/> where the CLR type alone does not say (bytea, jsonb).</summary>
    public static void AddColumn<T>(this NpgsqlCommand command, T[] values, NpgsqlDbType? elementType = null) =>
        command.Parameters.Add(elementType is { } type
            ? new NpgsqlParameter { Value = values, NpgsqlDbType = NpgsqlDbType.Array | type }
            : new NpgsqlParameter { Value = values });
}
