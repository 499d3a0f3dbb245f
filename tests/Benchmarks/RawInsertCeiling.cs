using System.Diagnostics;
using Npgsql;

namespace Engine.Benchmarks;

/// <summary>
/// The most single-row, individually committed inserts per second the same PostgreSQL takes with the
/// same number of connections: the ceiling any durable ingest on this machine is measured against.
/// </summary>
internal static class RawInsertCeiling
{
    public static async Task<double> MeasureAsync(string connectionString, int connections, TimeSpan duration)
    {
        await using var db = NpgsqlDataSource.Create(connectionString);
        await using (var create = db.CreateCommand("CREATE TABLE IF NOT EXISTS bench_raw_insert (LIKE message_log INCLUDING ALL)"))
        {
            await create.ExecuteNonQueryAsync();
        }

        long inserted = 0;
        var clock = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(async worker =>
        {
            await using var connection = await db.OpenConnectionAsync();
            await using var insert = new NpgsqlCommand("""
                INSERT INTO bench_raw_insert
                    (message_id, tenant_id, lead_phone, channel, direction, provider, provider_message_id, message_type, body, status, status_rank, occurred_at)
                VALUES ($1, 'bench', $2, 'sms', 'inbound', 'twilio', $3, 'text', 'Is the house still available?', 'received', 0, now())
                """, connection);
            var (id, phone, providerId) = (insert.Parameters.Add(new NpgsqlParameter<Guid>()), insert.Parameters.Add(new NpgsqlParameter<string>()), insert.Parameters.Add(new NpgsqlParameter<string>()));
            while (clock.Elapsed < duration)
            {
                id.Value = Guid.NewGuid();
                phone.Value = $"+1212555{worker:0000}";
                providerId.Value = $"SM{Guid.NewGuid():N}";
                await insert.ExecuteNonQueryAsync();
                Interlocked.Increment(ref inserted);
            }
        }));
        return inserted / clock.Elapsed.TotalSeconds;
    }
}
