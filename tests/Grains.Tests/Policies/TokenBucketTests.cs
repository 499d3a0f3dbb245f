using Engine.Grains.Policies;
using Microsoft.Extensions.Time.Testing;

namespace Engine.Grains.Tests.Policies;

public sealed class TokenBucketTests
{
    [Fact]
    public void TokenBucket_WhenEmpty_DeniesWithRetryAfter()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-06-10T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        var bucket = new TokenBucket(ratePerSecond: 1, capacity: 1, clock.GetUtcNow());

        var first = bucket.TryTake(clock.GetUtcNow());
        var second = bucket.TryTake(clock.GetUtcNow());

        Assert.True(first.Allowed);
        Assert.False(second.Allowed);
        Assert.Equal(TimeSpan.FromSeconds(1), second.RetryAfter);
    }

    [Fact]
    public void TokenBucket_Refills_AtTheRate_UpToCapacity()
    {
        var clock = new FakeTimeProvider();
        var bucket = new TokenBucket(ratePerSecond: 3, capacity: 3, clock.GetUtcNow());
        for (var i = 0; i < 3; i++)
        {
            Assert.True(bucket.TryTake(clock.GetUtcNow()).Allowed);
        }

        clock.Advance(TimeSpan.FromMinutes(10)); // idle time does not bank more than capacity
        var allowed = Enumerable.Range(0, 10).Count(_ => bucket.TryTake(clock.GetUtcNow()).Allowed);

        Assert.Equal(3, allowed);
    }

    [Fact]
    public void TokenBucket_OverAMinute_PassesRateTimesSecondsPlusCapacity()
    {
        var clock = new FakeTimeProvider();
        var bucket = new TokenBucket(ratePerSecond: 2, capacity: 2, clock.GetUtcNow());
        var passed = 0;
        for (var step = 0; step < 60_000; step += 10)
        {
            passed += bucket.TryTake(clock.GetUtcNow()).Allowed ? 1 : 0;
            clock.Advance(TimeSpan.FromMilliseconds(10));
        }

        Assert.InRange(passed, 120, 122);
    }

    [Fact]
    public void TokenBucket_CostAboveCapacity_GoesOnceFull()
    {
        var clock = new FakeTimeProvider();
        var bucket = new TokenBucket(ratePerSecond: 1, capacity: 1, clock.GetUtcNow());

        var threeSegments = bucket.TryTake(clock.GetUtcNow(), cost: 3);
        var next = bucket.TryTake(clock.GetUtcNow());

        Assert.True(threeSegments.Allowed);
        Assert.False(next.Allowed);
        Assert.Equal(TimeSpan.FromSeconds(3), next.RetryAfter); // the debt of two extra segments is paid first
    }
}
