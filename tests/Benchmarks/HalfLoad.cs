namespace Engine.Benchmarks;

/// <summary>Where a half-load run's CPU went: milliseconds per request by part, and how busy the machine was.</summary>
internal sealed record HalfLoadCpu(IReadOnlyDictionary<string, double> PerEvent, double MachineBusy)
{
    public string Describe() => $"{CpuUse.Describe(PerEvent)}; machine {MachineBusy:P0} busy";
}

/// <summary>
/// The latency target's measurement: half the sustained rate, in steady state. It starts once the cluster
/// has worked off the backlog of the overloaded step before it, which would otherwise be billed to it.
/// </summary>
internal static class HalfLoad
{
    private static readonly TimeSpan Duration = TimeSpan.FromSeconds(10);

    public static async Task<(RateResult Result, HalfLoadCpu Cpu)> RunAsync(BenchmarkCluster cluster, int sustained, Func<int, Task<bool>> send)
    {
        await cluster.WaitUntilIdleAsync();
        var before = cluster.Cpu();
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var result = await OpenLoop.RunAsync(Math.Max(sustained / 2, 100), Duration, sustained * 2 + 200, send);
        var perEvent = cluster.Cpu().MillisecondsPerEvent(before, result.Succeeded);
        var busy = perEvent.Values.Sum() * result.Succeeded / 1e3 / (clock.Elapsed.TotalSeconds * Environment.ProcessorCount);
        return (result, new HalfLoadCpu(perEvent, Math.Round(busy, 2)));
    }
}
