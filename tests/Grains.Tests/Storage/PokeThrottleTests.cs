using System.Collections.Concurrent;
using Engine.Grains.Storage.Events;
using Engine.TestSupport;
using Microsoft.Extensions.Time.Testing;

namespace Engine.Grains.Tests.Storage;

/// <summary>The relay's poke throttle: one poke per gap per tenant, and the last poke of a burst is never lost.</summary>
public sealed class PokeThrottleTests
{
    private static readonly TimeSpan Gap = TimeSpan.FromMilliseconds(20);
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
    private readonly ConcurrentQueue<(string Key, DateTimeOffset At)> _pokes = new();

    private PokeThrottle Throttle() => new(Gap, _time, key => _pokes.Enqueue((key, _time.GetUtcNow())));

    [Fact]
    public void TheFirstPoke_GoesAtOnce_AndOneAGapLaterToo()
    {
        var throttle = Throttle();

        throttle.Request("t1");
        _time.Advance(Gap);
        throttle.Request("t1");

        Assert.Equal(2, _pokes.Count);
    }

    [Fact]
    public async Task PokesInsideTheGap_AreFoldedIntoOne_SentWhenTheGapEnds()
    {
        var throttle = Throttle();
        var start = _time.GetUtcNow();

        throttle.Request("t1");
        _time.Advance(TimeSpan.FromMilliseconds(5));
        for (var i = 0; i < 10; i++)
        {
            throttle.Request("t1");
        }

        Assert.Single(_pokes);
        _time.Advance(TimeSpan.FromMilliseconds(15));
        await Eventually.GetAsync(() => Task.FromResult(_pokes.Count), n => n == 2, TimeSpan.FromSeconds(5), "the trailing poke");
        Assert.Equal([start, start + Gap], _pokes.Select(p => p.At));

        // The trailing poke starts the next gap.
        throttle.Request("t1");
        Assert.Equal(2, _pokes.Count);
    }

    [Fact]
    public void Tenants_AreThrottledApart()
    {
        var throttle = Throttle();

        throttle.Request("t1");
        throttle.Request("t2");

        Assert.Equal(["t1", "t2"], _pokes.Select(p => p.Key));
    }
}
