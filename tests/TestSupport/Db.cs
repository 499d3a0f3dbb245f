using System.Globalization;
using Engine.Grains.Encryption;
using Npgsql;

namespace Engine.TestSupport;

/// <summary>Helpers so tests can assert on the rows the engine wrote, and make one of its writes fail.</summary>
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

    /// <summary>
    /// The rows with every value as invariant text (null stays null); a value the engine sealed
    /// (message_log.body_sealed, events.data_sealed) comes back opened.
    /// </summary>
    public static async Task<List<string?[]>> TextRowsAsync(this NpgsqlDataSource db, string sql, params object[] args)
    {
        var rows = new List<string?[]>();
        foreach (var row in await db.RowsAsync(sql, args))
        {
            var text = new string?[row.Length];
            for (var i = 0; i < row.Length; i++)
            {
                text[i] = row[i] switch
                {
                    null => null,
                    byte[] bytes when SealedBox.IsSealed(bytes) => await SealedValues.OpenAsync(db, bytes),
                    var value => Convert.ToString(value, CultureInfo.InvariantCulture),
                };
            }

            rows.Add(text);
        }

        return rows;
    }

    /// <summary>
    /// Makes the next insert or update of a <paramref name="table"/> row matching <paramref name="condition"/>
    /// (on NEW) fail once, in PostgreSQL itself, as when the database or the writer's process fails
    /// half-way. A sequence is not rolled back with the failed transaction, so the write after passes.
    /// </summary>
    public static async Task FailNextWriteAsync(this NpgsqlDataSource db, string table, string condition)
    {
        var name = $"fail_once_{Guid.NewGuid():N}";
        await db.CountAsync($"""
            CREATE SEQUENCE {name};
            CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF {condition} AND nextval('{name}') = 1 THEN
                    RAISE EXCEPTION 'injected failure of a {table} write';
                END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER {name} BEFORE INSERT OR UPDATE ON {table} FOR EACH ROW EXECUTE FUNCTION {name}();
            SELECT 0;
            """);
    }

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
