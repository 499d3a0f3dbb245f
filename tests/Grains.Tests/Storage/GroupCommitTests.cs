using Engine.Grains.Storage;

namespace Engine.Grains.Tests.Storage;

/// <summary>The batching writer on its own: batches form while a write is under way, never hold one key twice, and a bad row fails alone.</summary>
public sealed class GroupCommitTests
{
    [Fact]
    public async Task RowsQueuedDuringAWrite_GoTogetherInTheNext_UpToTheBatchLimit()
    {
        var batches = new List<int[]>();
        var (entered, firstWrite) = (new TaskCompletionSource(), new TaskCompletionSource());
        var commit = new GroupCommit<int, int>(async rows =>
        {
            lock (batches)
            {
                batches.Add(rows.ToArray());
            }

            if (rows[0] == 0)
            {
                entered.SetResult();
                await firstWrite.Task; // hold the only writer while the others queue
            }

            return rows.Select(r => r * 10).ToArray();
        }, row => row, maxBatch: 4, maxConcurrentWrites: 1);

        var first = commit.SubmitAsync(0);
        await entered.Task;
        var rest = Enumerable.Range(1, 6).Select(commit.SubmitAsync).ToArray();
        firstWrite.SetResult();

        Assert.Equal(0, await first);
        int[] results = await Task.WhenAll(rest);
        Assert.Equal([10, 20, 30, 40, 50, 60], results);
        Assert.Equal([[0], [1, 2, 3, 4], [5, 6]], batches);
    }

    [Fact]
    public async Task TwoRowsWithOneKey_NeverShareABatch()
    {
        var batches = new List<string[]>();
        var (entered, firstWrite) = (new TaskCompletionSource(), new TaskCompletionSource());
        var commit = new GroupCommit<string, string>(async rows =>
        {
            lock (batches)
            {
                batches.Add(rows.ToArray());
            }

            if (rows[0] == "hold")
            {
                entered.SetResult();
                await firstWrite.Task;
            }

            return rows.ToArray();
        }, row => row[0], maxBatch: 10, maxConcurrentWrites: 1);

        var held = commit.SubmitAsync("hold");
        await entered.Task;
        var queued = new[] { "a1", "b1", "a2" }.Select(commit.SubmitAsync).ToArray();
        firstWrite.SetResult();
        await held;
        await Task.WhenAll(queued);

        Assert.Equal([["hold"], ["a1", "b1"], ["a2"]], batches);
    }

    [Fact]
    public async Task ABatchThatFails_IsWrittenRowByRow_SoOnlyTheBadRowFails()
    {
        var (entered, firstWrite) = (new TaskCompletionSource(), new TaskCompletionSource());
        var commit = new GroupCommit<int, int>(async rows =>
        {
            if (rows[0] == 0)
            {
                entered.SetResult();
                await firstWrite.Task;
            }

            return rows.Contains(-1) ? throw new InvalidOperationException("bad row") : rows.ToArray();
        }, row => row, maxBatch: 10, maxConcurrentWrites: 1);

        var held = commit.SubmitAsync(0);
        await entered.Task;
        var good = new[] { 1, 2 }.Select(commit.SubmitAsync).ToArray();
        var bad = commit.SubmitAsync(-1);
        firstWrite.SetResult();

        await held;
        int[] stored = await Task.WhenAll(good);
        Assert.Equal([1, 2], stored);
        Assert.Equal("bad row", (await Assert.ThrowsAsync<InvalidOperationException>(() => bad)).Message);
    }
}
