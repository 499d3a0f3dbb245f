using System.Diagnostics;

namespace Engine.Benchmarks;

/// <summary>
/// ImportLeads of 100,000 new leads, each opted in on SMS, over 16 concurrent client streams: rows per
/// second as a ratio of the raw single-row insert ceiling measured in the same run, and every row
/// imported or reported.
/// </summary>
internal static class ImportBenchmark
{
    private const int Leads = 100_000;
    private const int Streams = 16;

    public static async Task RunAsync()
    {
        await using var cluster = await BenchmarkCluster.StartAsync("bench_import");
        var tenant = await cluster.CreateTenantAsync("bench-auth-token");
        var phones = Enumerable.Range(0, Leads).Select(i => $"+1415{2000000 + i:D7}").ToArray();

        var clock = Stopwatch.StartNew();
        var summaries = await Task.WhenAll(phones.Chunk(Leads / Streams).Select(chunk => SendMessageBenchmark.ImportAsync(cluster, tenant, chunk)));
        var elapsed = clock.Elapsed;
        var imported = summaries.Sum(s => s.Imported);
        var refused = summaries.Sum(s => s.Errors.Count);
        var rowsPerSecond = imported / elapsed.TotalSeconds;

        Console.WriteLine($"measuring the raw single-row insert ceiling with {BenchmarkCluster.PoolSize} connections...");
        var raw = await RawInsertCeiling.MeasureAsync(cluster.ConnectionString, BenchmarkCluster.PoolSize, TimeSpan.FromSeconds(8));
        foreach (var reason in summaries.SelectMany(s => s.Errors).GroupBy(e => e.Reason).OrderByDescending(g => g.Count()).Take(5))
        {
            Console.WriteLine($"  refused {reason.Count()}x: {reason.Key} (e.g. {reason.First().Phone})");
        }

        Console.WriteLine($"imported {imported} of {Leads} in {elapsed.TotalSeconds:F1} s: {rowsPerSecond:F0} rows/s = {rowsPerSecond / raw:F3} of the raw ceiling ({raw:F0}/s); {refused} refused");
        await Results.WriteAsync("import-leads", new
        {
            topology = cluster.Topology,
            leads = Leads,
            streams = Streams,
            imported,
            refused,
            seconds = Math.Round(elapsed.TotalSeconds, 1),
            rowsPerSecond = Math.Round(rowsPerSecond),
            rawInsertCeilingPerSecond = Math.Round(raw),
            ratioOfRawCeiling = Math.Round(rowsPerSecond / raw, 3),
            target = new { ratioOfRawCeiling = 0.30 },
        });
    }
}
