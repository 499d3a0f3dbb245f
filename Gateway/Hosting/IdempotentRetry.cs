using System.Diagnostics;

namespace Engine.Gateway.Hosting;

/// <summary>
/// Runs an idempotent cluster call (webhook processing, a keyed send, an import row) again, every
/// <see cref="RetryDelay"/> within <see cref="Budget"/>, while its attempts do not reach a live silo or
/// the silo's PostgreSQL fails under them. An attempt still unanswered when a silo connection is lost
/// gets <see cref="LossGrace"/> to answer, then is repeated: the lost silo may have held it, and nothing
/// would answer it before Orleans' 30 s response timeout. So is an attempt begun within
/// <see cref="SettlingTime"/> after a loss, until the cluster has declared the silo dead a live silo may
/// still forward it there. Other timeouts are not repeated: the call may have run, and repeats waiting
/// behind it would only lengthen the wait.
/// </summary>
internal sealed class IdempotentRetry(SiloLossSignal siloLoss)
{
    /// <summary>Past the ~5 s a killed silo takes to be declared dead, within a client's usual 10 s deadline.</summary>
    public static readonly TimeSpan Budget = TimeSpan.FromSeconds(8);

    // Long enough for the client to drop a dead gateway connection and route through a live one.
    private static readonly TimeSpan RetryDelay = TimeSpan.FromMilliseconds(500);

    // A live silo answers within this even under load; an attempt that does not is taken to be lost with its silo.
    private static readonly TimeSpan LossGrace = TimeSpan.FromSeconds(1);

    // Longer than a killed silo takes to be declared dead (about 5 s), after which nothing is forwarded to it.
    private static readonly TimeSpan SettlingTime = TimeSpan.FromSeconds(10);

    public Task<T> RunAsync<T>(Func<Task<T>> call, CancellationToken cancellationToken = default) => RunAsync(call, Budget, cancellationToken);

    public Task RunAsync(Func<Task> call, CancellationToken cancellationToken = default) =>
        RunAsync(async () =>
        {
            await call();
            return true;
        }, Budget, cancellationToken);

    internal async Task<T> RunAsync<T>(Func<Task<T>> call, TimeSpan budget, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        bool WithinBudget() => Stopwatch.GetElapsedTime(started) + RetryDelay < budget;
        while (true)
        {
            var loss = siloLoss.LostWithin(SettlingTime) ? Task.CompletedTask : siloLoss.NextLoss;
            try
            {
                var attempt = call();
                if (await LostWithASiloAsync(attempt, loss, cancellationToken) && WithinBudget())
                {
                    continue;
                }

                return await attempt;
            }
            catch (Exception e) when ((ClusterFaults.IsUnreachable(e) || ClusterFaults.IsStorageUnavailable(e)) && WithinBudget())
            {
                await Task.Delay(RetryDelay, cancellationToken);
            }
        }
    }

    // A silo connection was lost while the attempt was out (or just before), and it did not answer within the grace after that.
    private static async Task<bool> LostWithASiloAsync(Task attempt, Task loss, CancellationToken cancellationToken)
    {
        if (await Task.WhenAny(attempt, loss) == attempt || await Task.WhenAny(attempt, Task.Delay(LossGrace, cancellationToken)) == attempt)
        {
            return false;
        }

        // Its answer, if one ever comes, comes too late to matter; its failure must not go unobserved.
        _ = attempt.ContinueWith(static t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        return true;
    }
}
