using System.Globalization;
using System.Text.Json;
using Engine.Grains.Abstractions.Events;
using StackExchange.Redis;

namespace Engine.Grains.Events;

/// <summary>
/// Fan-out and replay buffer of a tenant's published events: a Redis stream per tenant whose entry
/// ids are the events' cursors ("{cursor}-1"), so re-publishing an event is refused rather than
/// duplicated, plus a pub/sub channel that wakes waiting subscribers. Capped to the newest events;
/// older cursors are read back from PostgreSQL.
/// </summary>
public sealed class RedisEventBus(IConnectionMultiplexer redis)
{
    private const int BufferLength = 100_000;

    public async Task PublishAsync(string tenantId, IReadOnlyList<EngineEvent> events)
    {
        var database = redis.GetDatabase();
        foreach (var evt in events)
        {
            try
            {
                await database.StreamAddAsync(StreamKey(tenantId), "event", JsonSerializer.Serialize(evt),
                    messageId: $"{evt.Cursor}-1", maxLength: BufferLength, useApproximateMaxLength: true);
            }
            catch (RedisServerException e) when (e.Message.Contains("equal or smaller", StringComparison.Ordinal))
            {
                // Already in the stream (a relay that restarted publishes its tail again).
            }
        }

        if (events.Count > 0)
        {
            await redis.GetSubscriber().PublishAsync(RedisChannel.Literal(NotifyChannel(tenantId)), events[^1].Cursor);
        }
    }

    /// <summary>
    /// Drops the buffered events up to <paramref name="cursor"/> (retention blanked their bodies in
    /// PostgreSQL); subscribers reading from there are served from PostgreSQL instead.
    /// </summary>
    public Task TrimThroughAsync(string tenantId, long cursor) =>
        redis.GetDatabase().StreamTrimByMinIdAsync(StreamKey(tenantId), $"{cursor + 1}-0");

    /// <summary>Deletes the entries of these cursors (an erasure); returns how many existed.</summary>
    public async Task<int> DeleteAsync(string tenantId, IReadOnlyList<long> cursors) =>
        cursors.Count == 0 ? 0 : (int)await redis.GetDatabase().StreamDeleteAsync(StreamKey(tenantId), [.. cursors.Select(c => (RedisValue)$"{c}-1")]);

    /// <summary>The newest cursor in the stream, or 0 when it is empty.</summary>
    public async Task<long> LastCursorAsync(string tenantId)
    {
        var last = await redis.GetDatabase().StreamRangeAsync(StreamKey(tenantId), "-", "+", count: 1, messageOrder: Order.Descending);
        return last.Length == 0 ? 0 : CursorOf(last[0].Id);
    }

    /// <summary>
    /// Events after <paramref name="afterCursor"/>, or null when the buffer does not hold the next one
    /// or Redis cannot be reached (the caller then reads PostgreSQL).
    /// </summary>
    public async Task<IReadOnlyList<EngineEvent>?> ReadAfterAsync(string tenantId, long afterCursor, int limit)
    {
        StreamEntry[] entries;
        try
        {
            entries = await redis.GetDatabase().StreamRangeAsync(StreamKey(tenantId), $"{afterCursor + 1}-0", "+", count: limit);
        }
        catch (Exception e) when (RedisOutage.Is(e))
        {
            return null; // a buffer only: PostgreSQL has every published event while Redis reconnects
        }

        // Nothing here, or not the very next cursor (trimmed away, Redis restarted empty, a relay still
        // catching up): the caller asks PostgreSQL, which has every published event.
        if (entries.Length == 0 || CursorOf(entries[0].Id) != afterCursor + 1)
        {
            return null;
        }

        return entries.Select(e => JsonSerializer.Deserialize<EngineEvent>((string)e["event"]!)!).ToArray();
    }

    /// <summary>
    /// Completes when the tenant publishes next, or after <paramref name="timeout"/> (at once to wait it
    /// out, when Redis cannot be reached).
    /// </summary>
    public async Task WaitAsync(string tenantId, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var published = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        ChannelMessageQueue channel;
        try
        {
            channel = await redis.GetSubscriber().SubscribeAsync(RedisChannel.Literal(NotifyChannel(tenantId)));
        }
        catch (Exception e) when (RedisOutage.Is(e))
        {
            await Task.Delay(timeout, cancellationToken); // no notification while Redis reconnects: poll
            return;
        }

        channel.OnMessage(_ => published.TrySetResult());
        try
        {
            await published.Task.WaitAsync(timeout, cancellationToken);
        }
        catch (TimeoutException)
        {
        }
        finally
        {
            await UnsubscribeAsync(channel);
        }
    }

    // Redis may have gone away while we waited; the subscription then ends with the connection.
    private static async Task UnsubscribeAsync(ChannelMessageQueue channel)
    {
        try
        {
            await channel.UnsubscribeAsync();
        }
        catch (Exception e) when (RedisOutage.Is(e))
        {
        }
    }

    private static RedisKey StreamKey(string tenantId) => $"engine:events:{tenantId}";

    private static string NotifyChannel(string tenantId) => $"engine:events:{tenantId}:published";

    private static long CursorOf(RedisValue id) => long.Parse(((string)id!).Split('-')[0], CultureInfo.InvariantCulture);
}
