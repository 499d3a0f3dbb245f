using System.Globalization;
using Npgsql;

namespace Engine.TestSupport;

/// <summary>Read helpers so tests can assert on the rows the engine wrote.</summary>
public static class Db
{
    public static async Task<long> CountAsync(this NpgsqlDataSource db, string sql, params object[] args)
    {
        await using var command = Command(db, sql, args);
        return Convert.ToInt64(await command.ExecuteScalarAsync(), CultureInfo.InvariantCulture);
    }

    public static async Task<List<object?[]>> RowsAsync(this NpgsqlDataSource db, string sql, params object[] args)
    {
        await using var command = Command(db, sql, args);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            rows.Add(Enumerable.Range(0, reader.FieldCount).Select(i => reader.IsDBNull(i) ? null : reader.GetValue(i)).ToArray());
        }

        return rows;
    }

    /// <summary>The rows with every value as invariant text (null stays null).</summary>
    public static async Task<List<string?[]>> TextRowsAsync(this NpgsqlDataSource db, string sql, params object[] args) =>
        (await db.RowsAsync(sql, args)).Select(row => row.Select(v => v is null ? null : Convert.ToString(v, CultureInfo.InvariantCulture)).ToArray()).ToList();

    private static NpgsqlCommand Command(NpgsqlDataSource db, string sql, object[] args)
    {
        var command = db.CreateCommand(sql);
        foreach (var arg in args)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = arg });
        }

        return command;
    }
}
