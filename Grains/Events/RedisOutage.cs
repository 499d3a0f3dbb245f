using StackExchange.Redis;

namespace Engine.Grains.Events;

/// <summary>What StackExchange.Redis throws when Redis is down, unreachable or hung.</summary>
public static class RedisOutage
{
    /// <summary>
    /// A refused or lost connection is a <see cref="RedisException"/>; a Redis that accepts connections
    /// but does not answer (paused, partitioned, overloaded) times out with a <see cref="RedisTimeoutException"/>,
    /// which is a <see cref="TimeoutException"/> instead.
    /// </summary>
    public static bool Is(Exception e) => e is RedisException or RedisTimeoutException;
}
