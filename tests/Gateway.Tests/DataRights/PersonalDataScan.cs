using Engine.TestSupport;
using Npgsql;
using StackExchange.Redis;

namespace Engine.Gateway.Tests.DataRights;

/// <summary>
/// Looks for a phone number everywhere the engine can keep something: every text, jsonb, array and
/// bytea column of every table in the database (bytea searched for the number's UTF-8 bytes, as
/// Orleans writes strings), and every Redis key and value.
/// </summary>
internal static class PersonalDataScan
{
    /// <summary>The number as E.164, without '+', and national ("+12125550100", "12125550100", "2125550100").</summary>
    public static string[] FormsOf(string e164) => [e164, e164[1..], e164[2..]];

    /// <summary>Where any form of the number was found: "table.column" and "redis:key" entries.</summary>
    public static async Task<IReadOnlyList<string>> FindAsync(NpgsqlDataSource database, string redisConfiguration, string e164)
    {
        var forms = FormsOf(e164);
        var found = new List<string>();
        var columns = await database.TextRowsAsync("""
            SELECT table_name, column_name, data_type FROM information_schema.columns
            WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying', 'character', 'jsonb', 'json', 'ARRAY', 'bytea')
            """);
        Assert.NotEmpty(columns);
        foreach (var column in columns)
        {
            var (table, name) = ($"\"{column[0]}\"", $"\"{column[1]}\"");
            var match = column[2] == "bytea"
                ? $"position(convert_to(f, 'UTF8') in {name}) > 0"
                : $"strpos({name}::text, f) > 0";
            var hits = await database.CountAsync($"SELECT count(*) FROM {table}, unnest($1::text[]) f WHERE {match}", (object)forms);
            if (hits > 0)
            {
                found.Add($"{column[0]}.{column[1]} ({hits})");
            }
        }

        await using var redis = await ConnectionMultiplexer.ConnectAsync(redisConfiguration + ",allowAdmin=true");
        var db = redis.GetDatabase();
        foreach (var key in redis.GetServers().Single().Keys(pattern: "*", pageSize: 1000))
        {
            var type = await db.KeyTypeAsync(key);
            var values = type switch
            {
                RedisType.String => [(string?)await db.StringGetAsync(key)],
                RedisType.Stream => (await db.StreamRangeAsync(key)).SelectMany(e => e.Values.Select(v => (string?)v.Value)).ToArray(),
                RedisType.Hash => (await db.HashGetAllAsync(key)).Select(h => $"{h.Name}={h.Value}").ToArray(),
                RedisType.List => (await db.ListRangeAsync(key)).Select(v => (string?)v).ToArray(),
                RedisType.Set => (await db.SetMembersAsync(key)).Select(v => (string?)v).ToArray(),
                RedisType.SortedSet => (await db.SortedSetRangeByRankAsync(key)).Select(v => (string?)v).ToArray(),
                _ => new[] { $"unexpected redis type {type}" },
            };
            if (values.Prepend(key.ToString()).Any(v => v is not null && forms.Any(f => v.Contains(f, StringComparison.Ordinal))))
            {
                found.Add($"redis:{key}");
            }
        }

        return found;
    }
}
