using Engine.Gateway.Hosting;

namespace Engine.Gateway.Tests.Hosting;

/// <summary>How the gateway repeats idempotent work: unreachable silos, and calls lost with a silo.</summary>
public sealed class IdempotentRetryTests
{
    private static readonly TimeSpan ShortBudget = TimeSpan.FromSeconds(3);

    private readonly SiloLossSignal _siloLoss = new();

    private IdempotentRetry Retry => new(_siloLoss);

    [Fact]
    public async Task AnUnreachableSilo_IsTriedAgain_AndALaterAnswerCounts()
    {
        var attempts = 0;

        var answer = await Retry.RunAsync(
            () => ++attempts < 3 ? throw new SiloUnavailableException("silo is gone") : Task.FromResult(42), ShortBudget, default);

        Assert.Equal((3, 42), (attempts, answer));
    }

    [Fact]
    public async Task FailuresBeyondTheBudget_Surface()
    {
        var attempts = 0;

        await Assert.ThrowsAsync<SiloUnavailableException>(() => Retry.RunAsync<int>(() =>
        {
            attempts++;
            throw new SiloUnavailableException("still gone");
        }, ShortBudget, default));

        Assert.InRange(attempts, 2, 7); // one every 500 ms for 3 s
    }

    [Fact]
    public async Task ATimeout_IsNotRetried_ForTheCallMayHaveRun()
    {
        var attempts = 0;

        await Assert.ThrowsAsync<TimeoutException>(() => Retry.RunAsync<int>(() =>
        {
            attempts++;
            throw new TimeoutException("Response did not arrive on time");
        }, ShortBudget, default));

        Assert.Equal(1, attempts);
    }

    [Fact]
    public async Task ACallStillOut_WhenASiloConnectionIsLost_IsRepeated_AndTheRepeatAnswers()
    {
        var attempts = 0;
        var firstAttemptOut = new TaskCompletionSource();
        var retried = Retry.RunAsync(() =>
        {
            if (++attempts == 1)
            {
                firstAttemptOut.SetResult();
                return new TaskCompletionSource<int>().Task; // forwarded to the silo that dies: never answered
            }

            return Task.FromResult(7);
        }, ShortBudget, default);

        await firstAttemptOut.Task;
        _siloLoss.NotifyGatewayCountChanged(1, 2, connectionRecovered: false);

        Assert.Equal(7, await retried.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(2, attempts);
    }

    // Until the lost silo is declared dead, a live silo may forward a new attempt to it.
    [Fact]
    public async Task ACallBegunJustAfterASiloConnectionWasLost_IsRepeatedIfUnanswered()
    {
        _siloLoss.NotifyGatewayCountChanged(1, 2, connectionRecovered: false);
        var attempts = 0;

        var answer = await Retry.RunAsync(
            () => ++attempts == 1 ? new TaskCompletionSource<int>().Task : Task.FromResult(9), ShortBudget, default).WaitAsync(TimeSpan.FromSeconds(10));

        Assert.Equal((2, 9), (attempts, answer));
    }

    [Fact]
    public async Task ACallThatAnswersSoonAfterASiloIsLost_IsNotRepeated()
    {
        var answer = new TaskCompletionSource<int>();
        var (retried, attempts) = RunWaitingFor(answer.Task);

        _siloLoss.NotifyGatewayCountChanged(1, 2, connectionRecovered: false);
        answer.SetResult(3); // a live silo's answer, well within the grace

        Assert.Equal(3, await retried.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal(1, attempts());
    }

    [Fact]
    public async Task ANewGateway_IsNotALoss()
    {
        var answer = new TaskCompletionSource<int>();
        var (retried, attempts) = RunWaitingFor(answer.Task);

        _siloLoss.NotifyGatewayCountChanged(2, 1, connectionRecovered: true);
        await Task.Delay(TimeSpan.FromSeconds(1.5)); // past the grace a loss would give
        answer.SetResult(5);

        Assert.Equal(5, await retried);
        Assert.Equal(1, attempts());
    }

    // A retried call each of whose attempts waits for the same answer, and how many attempts it made.
    private (Task<int> Retried, Func<int> Attempts) RunWaitingFor(Task<int> answer)
    {
        var attempts = 0;
        var retried = Retry.RunAsync(() =>
        {
            attempts++;
            return answer;
        }, ShortBudget, default);
        return (retried, () => attempts);
    }
}
