using System.Diagnostics;

namespace Engine.Benchmarks;

/// <summary>The outcome of driving one offered rate for a fixed time.</summary>
internal sealed record RateResult(int OfferedPerSecond, double AchievedPerSecond, int Sent, int Succeeded, int Failed, int Dropped, double P50Ms, double P99Ms);

/// <summary>
/// An open-loop load generator: requests start on a fixed schedule whatever the server's speed, so
/// slow answers show up as latency and backlog instead of silently lowering the offered rate.
/// </summary>
internal static class OpenLoop
{
    public static async Task<RateResult> RunAsync(int ratePerSecond, TimeSpan duration, int maxInFlight, Func<int, Task<bool>> send)
    {
        var latencies = new Latencies();
        var (succeeded, failed, dropped, inFlight) = (0, 0, 0, 0);
        var total = (int)(ratePerSecond * duration.TotalSeconds);
        var pending = new List<Task>(total);
        var clock = Stopwatch.StartNew();
        for (var i = 0; i < total; i++)
        {
            var due = TimeSpan.FromSeconds((double)i / ratePerSecond);
            var wait = due - clock.Elapsed;
            if (wait > TimeSpan.FromMilliseconds(1))
            {
                await Task.Delay(wait);
            }

            if (Volatile.Read(ref inFlight) >= maxInFlight)
            {
                dropped++; // the server is this far behind: count it as a failure to sustain the rate
                continue;
            }

            Interlocked.Increment(ref inFlight);
            var index = i;
            pending.Add(Task.Run(async () =>
            {
                var started = Stopwatch.GetTimestamp();
                try
                {
                    if (await send(index))
                    {
                        Interlocked.Increment(ref succeeded);
                        latencies.Add(Stopwatch.GetElapsedTime(started));
                    }
                    else
                    {
                        Interlocked.Increment(ref failed);
                    }
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref failed);
                }
                finally
                {
                    Interlocked.Decrement(ref inFlight);
                }
            }));
        }

        await Task.WhenAll(pending);
        var elapsed = clock.Elapsed.TotalSeconds;
        return new RateResult(ratePerSecond, succeeded / elapsed, total, succeeded, failed, dropped, latencies.Percentile(50), latencies.Percentile(99));
    }
}
