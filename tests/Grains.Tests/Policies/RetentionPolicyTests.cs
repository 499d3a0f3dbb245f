using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Policies;
using Microsoft.Extensions.Time.Testing;

namespace Engine.Grains.Tests.Policies;

public sealed class RetentionPolicyTests
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 1, 12, 0, 0, TimeSpan.Zero));

    [Fact]
    public void NoSettings_OrZeroDays_KeepEverything()
    {
        Assert.False(RetentionPolicy.CutoffsAt(_time.GetUtcNow(), null).RemovesAnything);
        Assert.False(RetentionPolicy.CutoffsAt(_time.GetUtcNow(), RetentionSettings.KeepForever).RemovesAnything);
    }

    [Fact]
    public void Days_AreCountedBackFromNow_AndMoveWithTheClock()
    {
        var settings = new RetentionSettings(MessageBodyDays: 30, MessageDays: 365);

        var first = RetentionPolicy.CutoffsAt(_time.GetUtcNow(), settings);
        _time.Advance(TimeSpan.FromDays(1));
        var next = RetentionPolicy.CutoffsAt(_time.GetUtcNow(), settings);

        Assert.Equal(new DateTimeOffset(2026, 1, 30, 12, 0, 0, TimeSpan.Zero), first.BodiesBefore);
        Assert.Equal(new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero), first.MessagesBefore);
        Assert.Equal(first.BodiesBefore + TimeSpan.FromDays(1), next.BodiesBefore);
    }

    [Fact]
    public void OnlyMessageDays_DeletesMessages_WithoutASeparateBodyCutoff()
    {
        var cutoffs = RetentionPolicy.CutoffsAt(_time.GetUtcNow(), new RetentionSettings(0, 90));

        Assert.Null(cutoffs.BodiesBefore);
        Assert.Equal(_time.GetUtcNow() - TimeSpan.FromDays(90), cutoffs.MessagesBefore);
    }
}
