using Engine.Grains.Events;
using StackExchange.Redis;

namespace Engine.Gateway.Webhooks;

/// <summary>
/// The fast path of at-least-once delivery: a Redis key per webhook item already processed, so provider
/// retries are acknowledged without touching the cluster. The key is written only after the item was
/// processed, so a failed attempt is retried in full. Redis is an optimisation: when it is absent or
/// down every item goes through, and the message log's unique key keeps the effect exactly-once.
/// </summary>
internal sealed partial class WebhookDeduplicator(ILogger<WebhookDeduplicator> logger, TimeProvider time, IConnectionMultiplexer? redis = null)
{
    private static readonly TimeSpan Remember = TimeSpan.FromDays(8); // Meta retries for up to 7 days
    private static readonly TimeSpan WarnEvery = TimeSpan.FromSeconds(30);
    private long _lastWarningTicks;

    public async Task<bool> WasProcessedAsync(string key)
    {
        // While Redis is disconnected, go straight to the cluster instead of waiting on timeouts.
        if (redis is null || !IsConnected(redis))
        {
            return false;
        }

        try
        {
            return await redis.GetDatabase().KeyExistsAsync(Key(key));
        }
        catch (Exception e) when (RedisOutage.Is(e))
        {
            Warn(e.Message);
            return false;
        }
    }

    public async Task MarkProcessedAsync(string key)
    {
        if (redis is null || !IsConnected(redis))
        {
            return;
        }

        try
        {
            await redis.GetDatabase().StringSetAsync(Key(key), "1", Remember, When.Always, CommandFlags.FireAndForget);
        }
        catch (Exception e) when (RedisOutage.Is(e))
        {
            Warn(e.Message);
        }
    }

    private bool IsConnected(IConnectionMultiplexer multiplexer)
    {
        if (!multiplexer.IsConnected)
        {
            Warn("not connected");
        }

        return multiplexer.IsConnected;
    }

    // One warning per outage window, not one per webhook.
    private void Warn(string reason)
    {
        var now = time.GetUtcNow().UtcTicks;
        var last = Interlocked.Read(ref _lastWarningTicks);
        if (now - last > WarnEvery.Ticks && Interlocked.CompareExchange(ref _lastWarningTicks, now, last) == last)
        {
            LogRedisUnavailable(logger, reason);
        }
    }

    private static RedisKey Key(string key) => $"engine:webhook:{key}";

    [LoggerMessage(EventId = 3101, EventName = "DedupRedisUnavailable", Level = LogLevel.Warning,
        Message = "Redis de-duplication unavailable, relying on the message log: {Reason}")]
    private static partial void LogRedisUnavailable(ILogger logger, string reason);
}
