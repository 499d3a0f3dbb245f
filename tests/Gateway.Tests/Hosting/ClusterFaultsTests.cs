using Engine.Gateway.Hosting;

namespace Engine.Gateway.Tests.Hosting;

/// <summary>Which failures count as the cluster being unavailable.</summary>
public sealed class ClusterFaultsTests
{
    [Fact]
    public void OtherFailures_AreNotTheClusters()
    {
        Assert.True(ClusterFaults.IsUnavailable(new TimeoutException("Response did not arrive on time")));
        Assert.False(ClusterFaults.IsUnavailable(new InvalidOperationException("a bug")));
        Assert.False(ClusterFaults.IsUnavailable(new OrleansException("a grain failed to activate")));
        Assert.False(ClusterFaults.IsUnavailable(new StackExchange.Redis.RedisTimeoutException(StackExchange.Redis.CommandFlags.None, "redis is slow", StackExchange.Redis.CommandStatus.Sent)));
        Assert.False(ClusterFaults.IsUnavailable(new Npgsql.NpgsqlException("PostgreSQL is slow", new TimeoutException())));
        Assert.True(ClusterFaults.IsUnavailable(new AggregateException(new InvalidOperationException(), new SiloUnavailableException())));
        Assert.True(ClusterFaults.IsUnavailable(new GatewayTooBusyException()));
        Assert.True(ClusterFaults.IsUnavailable(new Engine.Grains.Abstractions.StorageUnavailableException("PostgreSQL restarted")));
    }
}
