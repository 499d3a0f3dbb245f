using Engine.Grains.Policies;

namespace Engine.Grains.Tests.Policies;

public sealed class ApiKeyUsePolicyTests
{
    private static readonly DateTimeOffset Noon = DateTimeOffset.Parse("2026-06-10T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);

    [Theory]
    [InlineData(null, true)]
    [InlineData(0, false)]
    [InlineData(59, false)]
    [InlineData(60, true)]
    [InlineData(3600, true)]
    public void LastUse_IsWorthRecording_OnlyAMinuteAfterTheLastRecorded(int? secondsSinceRecorded, bool expected)
    {
        DateTimeOffset? recorded = secondsSinceRecorded is { } seconds ? Noon.AddSeconds(-seconds) : null;

        Assert.Equal(expected, ApiKeyUsePolicy.IsWorthRecording(recorded, Noon));
    }
}
