using Engine.Grains.Policies;

namespace Engine.Grains.Tests.Policies;

public sealed class WhatsAppWindowPolicyTests
{
    private static readonly DateTimeOffset LastInbound = new(2026, 6, 10, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void IsOpen_NoInboundEver_IsClosed() => Assert.False(WhatsAppWindowPolicy.IsOpen(null, LastInbound));

    [Fact]
    public void IsOpen_JustBeforeTwentyFourHours_IsOpen() =>
        Assert.True(WhatsAppWindowPolicy.IsOpen(LastInbound, LastInbound.AddHours(24).AddTicks(-1)));

    [Fact]
    public void IsOpen_AtExactlyTwentyFourHours_IsClosed() =>
        Assert.False(WhatsAppWindowPolicy.IsOpen(LastInbound, LastInbound.AddHours(24)));

    [Fact]
    public void IsOpen_RightAfterInbound_IsOpen() => Assert.True(WhatsAppWindowPolicy.IsOpen(LastInbound, LastInbound));
}
