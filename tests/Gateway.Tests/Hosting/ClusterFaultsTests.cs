using Engine.Gateway.Hosting;
using Orleans.Runtime;

namespace Engine.Gateway.Tests.Hosting;

/// <summary>Which failures count as the cluster being unavailable, and the one retry the gateway makes.</summary>
public sealed class ClusterFaultsTests
{
    [Fact]
    public async Task AnUnreachableSilo_IsTriedOnceMore_AndTheSecondAnswerCounts()
    {
        var attempts = 0;

        var answer = await ClusterFaults.RetryOnceAsync(() => ++attempts == 1 ? throw new SiloUnavailableException("silo is gone") : Task.FromResult(42));

        Assert.Equal((2, 42), (attempts, answer));
    }

    [Fact]
    public async Task ASecondFailure_IsNotRetriedAgain()
    {
        var attempts = 0;

        await Assert.ThrowsAsync<SiloUnavailableException>(() => ClusterFaults.RetryOnceAsync(() =>
        {
            attempts++;
            throw new SiloUnavailableException("still gone");
        }));

        Assert.Equal(2, attempts);
    }

    [Fact]
    public async Task ATimeout_IsUnavailable_ButNotRetried_ForTheCallMayHaveRun()
    {
        var attempts = 0;
        var timeout = new TimeoutException("Response did not arrive on time");

        await Assert.ThrowsAsync<TimeoutException>(() => ClusterFaults.RetryOnceAsync(() =>
        {
            attempts++;
            throw timeout;
        }));

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
    }
}
