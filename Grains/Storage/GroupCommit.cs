using System.Collections.Concurrent;

namespace Engine.Grains.Storage;

/// <summary>The sizes every batched write of the engine uses.</summary>
internal static class GroupCommit
{
    /// <summary>Rows per statement: a batch of 256 is a few milliseconds of work for PostgreSQL.</summary>
    public const int MaxBatch = 256;

    /// <summary>
    /// Statements of one kind in flight per process. More writers only split the same rows into more,
    /// smaller statements that cost PostgreSQL more each: two silos took new leads at 2.3 to 3.0
    /// statements per event with four writers, 1.7 with two and 1.2 with one (tests/bench.sh webhooks 2,
    /// 2026-12-07; with one, the relay's turns also spaced, see EventRelayGrain).
    /// </summary>
    public const int Writers = 1;
}

/// <summary>
/// Writes the rows of many callers in one statement, each caller waiting for the commit of the batch
/// its row went into. Batches form only under load: a flush takes whatever waits when it starts, so a
/// lone row is written at once and costs no extra latency. Under load a commit (and its WAL flush)
/// serves a whole batch instead of one row, which is what bounds throughput on a small machine.
/// A batch that a row's data fails is written again row by row, so one bad row fails only its own caller;
/// any other failure (the connection, a timeout) fails every caller in the batch, as it would alone.
/// </summary>
/// <remarks>Rows with the same key never share a batch: the later one goes into a later batch (which may
/// run alongside), so each caller's outcome (inserted or not, moved or not) is its own.</remarks>
internal sealed class GroupCommit<TItem, TResult>(
    Func<IReadOnlyList<TItem>, Task<IReadOnlyList<TResult>>> write,
    Func<TItem, object> key,
    int maxBatch = GroupCommit.MaxBatch,
    int maxConcurrentWrites = GroupCommit.Writers)
{
    private readonly ConcurrentQueue<Pending> _waiting = new();
    private int _writers;

    public Task<TResult> SubmitAsync(TItem item)
    {
        var pending = new Pending(item, new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously));
        _waiting.Enqueue(pending);
        StartWriterIfNeeded();
        return pending.Completion.Task;
    }

    private void StartWriterIfNeeded()
    {
        while (!_waiting.IsEmpty)
        {
            var writers = Volatile.Read(ref _writers);
            if (writers >= maxConcurrentWrites)
            {
                return; // a running writer takes the row with its next batch
            }

            if (Interlocked.CompareExchange(ref _writers, writers + 1, writers) == writers)
            {
                // Off the caller's (grain's) scheduler: the writer serves every grain on the silo.
                _ = Task.Run(WriteWhileWaitingAsync);
                return;
            }
        }
    }

    private async Task WriteWhileWaitingAsync()
    {
        try
        {
            List<Pending> batch;
            while ((batch = TakeBatch()).Count > 0)
            {
                await WriteAsync(batch);
            }
        }
        finally
        {
            Interlocked.Decrement(ref _writers);
            StartWriterIfNeeded(); // a row queued while this writer was stopping
        }
    }

    private List<Pending> TakeBatch()
    {
        var batch = new List<Pending>();
        var keys = new HashSet<object>();
        var later = new List<Pending>();
        while (batch.Count < maxBatch && _waiting.TryDequeue(out var pending))
        {
            (keys.Add(key(pending.Item)) ? batch : later).Add(pending);
        }

        foreach (var pending in later)
        {
            _waiting.Enqueue(pending);
        }

        return batch;
    }

    private async Task WriteAsync(List<Pending> batch)
    {
        try
        {
            var results = await write(batch.Select(p => p.Item).ToArray());
            for (var i = 0; i < batch.Count; i++)
            {
                batch[i].Completion.TrySetResult(results[i]);
            }
        }
        catch (Exception e) when (batch.Count > 1 && CouldBeOneRow(e))
        {
            foreach (var pending in batch)
            {
                await WriteAsync([pending]);
            }
        }
        catch (Exception e)
        {
            foreach (var pending in batch)
            {
                pending.Completion.TrySetException(e);
            }
        }
    }

    // A row's data (classes 22 and 23, a trigger's RAISE) or a deadlock with another batch (class 40)
    // rolled the statement back, so each row can be written alone. Any other failure (a lost connection,
    // a timeout) may have come after the commit and is every caller's to see: a row written again after
    // it would find itself already written and report it as a conflict.
    private static bool CouldBeOneRow(Exception e) =>
        e is Npgsql.PostgresException { SqlState: var state } && (state is "P0001" || state.StartsWith("22", StringComparison.Ordinal)
            || state.StartsWith("23", StringComparison.Ordinal) || state.StartsWith("40", StringComparison.Ordinal));

    private sealed record Pending(TItem Item, TaskCompletionSource<TResult> Completion);
}
