using Engine.Gateway.Hosting;
using Orleans.Runtime;

namespace Engine.Gateway.Tests.Hosting;

/// <summary>Which failures count as the cluster being unavailable, and how the gateway retries idempotent work.</summary>
public sealed class ClusterFaultsTests
{
    private static readonly TimeSpan ShortBudget = TimeSpan.FromSeconds(3);

    [Fact]
    public async Task AnUnreachableSilo_IsTriedAgain_AndALaterAnswerCounts()
    {
        var attempts = 0;

        var answer = await ClusterFaults.RetryIdempotentAsync(
            () => ++attempts < 3 ? throw new SiloUnavailableException("silo is gone") : Task.FromResult(42), ShortBudget, default);

        Assert.Equal((3, 42), (attempts, answer));
    }

    [Fact]
    public async Task FailuresBeyondTheBudget_Surface()
    {
        var attempts = 0;

        await Assert.ThrowsAsync<SiloUnavailableException>(() => ClusterFaults.RetryIdempotentAsync<int>(() =>
        {
            attempts++;
            throw new SiloUnavailableException("still gone");
        }, ShortBudget, default));

        Assert.InRange(attempts, 2, 7); // one every 500 ms for 3 s
    }

    [Fact]
    public async Task ATimeout_IsUnavailable_ButNotRetried_ForTheCallMayHaveRun()
    {
        var attempts = 0;
        var timeout = new TimeoutException("Response did not arrive on time");

        await Assert.ThrowsAsync<TimeoutException>(() => ClusterFaults.RetryIdempotentAsync<int>(() =>
        {
            attempts++;
            throw timeout;
        }, ShortBudget, default));

        Assert.Equal(1, attempts);
        Assert.True(ClusterFaults.IsUnavailable(timeout));
    }

    [Fact]
    public void OtherFailures_AreNotTheClusters()
    {
        Assert.False(ClusterFaults.IsUnavailable(new InvalidOperationException("a bug")));
        Assert.False(ClusterFaults.IsUnavailable(new OrleansException("a grain failed to activate")));
        Assert.False(ClusterFaults.IsUnavailable(new StackExchange.Redis.RedisTimeoutException(StackExchange.Redis.CommandFlags.None, "redis is slow", StackExchange.Redis.CommandStatus.Sent)));
        Assert.False(ClusterFaults.IsUnavailable(new Npgsql.NpgsqlException("PostgreSQL is slow", new TimeoutException())));
        Assert.True(ClusterFaults.IsUnavailable(new AggregateException(new InvalidOperationException(), new SiloUnavailableException())));
        Assert.True(ClusterFaults.IsUnavailable(new GatewayTooBusyException()));
        Assert.True(ClusterFaults.IsUnavailable(new Engine.Grains.Abstractions.StorageUnavailableException("PostgreSQL restarted")));
    }
}
