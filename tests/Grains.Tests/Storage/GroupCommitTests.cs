using Npgsql;
using Engine.Grains.Storage;

namespace Engine.Grains.Tests.Storage;

/// <summary>The batching writer on its own: batches form while a write is under way, never hold one key twice, and a bad row fails alone.</summary>
public sealed class GroupCommitTests
{
    [Fact]
    public async Task RowsQueuedDuringAWrite_GoTogetherInTheNext_UpToTheBatchLimit()
    {
        var writer = new HeldWriter<int>(rows => rows.Select(r => r * 10).ToArray());
        var commit = new GroupCommit<int, int>(writer.WriteAsync, row => row, maxBatch: 4, maxConcurrentWrites: 1);

        var first = commit.SubmitAsync(0);
        await writer.Entered;
        var rest = Enumerable.Range(1, 6).Select(commit.SubmitAsync).ToArray();
        writer.Release();

        Assert.Equal(0, await first);
        int[] results = await Task.WhenAll(rest);
        Assert.Equal([10, 20, 30, 40, 50, 60], results);
        Assert.Equal([[0], [1, 2, 3, 4], [5, 6]], writer.Batches);
    }

    [Fact]
    public async Task TwoRowsWithOneKey_NeverShareABatch()
    {
        var writer = new HeldWriter<string>(rows => rows);
        var commit = new GroupCommit<string, string>(writer.WriteAsync, row => row[0], maxBatch: 10, maxConcurrentWrites: 1);

        var held = commit.SubmitAsync("hold");
        await writer.Entered;
        var queued = new[] { "a1", "b1", "a2" }.Select(commit.SubmitAsync).ToArray();
        writer.Release();
        await held;
        await Task.WhenAll(queued);

        Assert.Equal([["hold"], ["a1", "b1"], ["a2"]], writer.Batches);
    }

    [Fact]
    public async Task ABatchThatARowFails_IsWrittenRowByRow_SoOnlyTheBadRowFails()
    {
        var writer = new HeldWriter<int>(rows => rows.Contains(-1) ? throw new PostgresException("bad row", "ERROR", "ERROR", "23505") : rows);
        var commit = new GroupCommit<int, int>(writer.WriteAsync, row => row, maxBatch: 10, maxConcurrentWrites: 1);

        var held = commit.SubmitAsync(0);
        await writer.Entered;
        var good = new[] { 1, 2 }.Select(commit.SubmitAsync).ToArray();
        var bad = commit.SubmitAsync(-1);
        writer.Release();

        await held;
        int[] stored = await Task.WhenAll(good);
        Assert.Equal([1, 2], stored);
        Assert.Equal("23505", (await Assert.ThrowsAsync<PostgresException>(() => bad)).SqlState);
    }

    // The statement may have committed before the connection went: writing its rows again would find
    // them written and answer "already there" (or a version conflict) for a write that succeeded.
    [Fact]
    public async Task ABatchThatLosesItsConnection_FailsEveryCaller_WithoutWritingAgain()
    {
        var writer = new HeldWriter<int>(rows => rows.Count > 1 ? throw new NpgsqlException("connection lost") : rows);
        var commit = new GroupCommit<int, int>(writer.WriteAsync, row => row, maxBatch: 10, maxConcurrentWrites: 1);

        var held = commit.SubmitAsync(0);
        await writer.Entered;
        var batched = new[] { 1, 2, 3 }.Select(commit.SubmitAsync).ToArray();
        writer.Release();

        await held;
        foreach (var row in batched)
        {
            await Assert.ThrowsAsync<NpgsqlException>(() => row);
        }

        Assert.Equal([[0], [1, 2, 3]], writer.Batches);
    }

    /// <summary>Records every batch and holds the first until released, so rows submitted meanwhile queue behind it.</summary>
    private sealed class HeldWriter<T>(Func<IReadOnlyList<T>, IReadOnlyList<T>> answer)
    {
        private readonly TaskCompletionSource _entered = new();
        private readonly TaskCompletionSource _released = new();

        public List<T[]> Batches { get; } = [];

        public Task Entered => _entered.Task;

        public void Release() => _released.SetResult();

        public async Task<IReadOnlyList<T>> WriteAsync(IReadOnlyList<T> rows)
        {
            bool first;
            lock (Batches)
            {
                first = Batches.Count == 0;
                Batches.Add(rows.ToArray());
            }

            if (first)
            {
                _entered.SetResult();
                await _released.Task;
            }

            return answer(rows);
        }
    }
}
