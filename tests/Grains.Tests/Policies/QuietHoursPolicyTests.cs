using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Policies;

namespace Engine.Grains.Tests.Policies;

public sealed class QuietHoursPolicyTests
{
    private static readonly TimeZoneInfo NewYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
    private static readonly TimeZoneInfo Chicago = TimeZoneInfo.FindSystemTimeZoneById("America/Chicago");
    private static readonly TimeZoneInfo LosAngeles = TimeZoneInfo.FindSystemTimeZoneById("America/Los_Angeles");
    private static readonly QuietHoursPolicy Policy = new(QuietHoursSettings.Default);

    [Fact]
    public void NextAllowedInstant_InsideWindow_IsNow()
    {
        var now = At("2026-06-10T12:00:00-04:00");

        Assert.Equal(now, Policy.NextAllowedInstant(now, [NewYork]));
    }

    [Fact]
    public void NextAllowedInstant_LateEvening_IsEightNextMorning()
    {
        var now = At("2026-06-10T22:30:00-04:00");

        Assert.Equal(At("2026-06-11T08:00:00-04:00"), Policy.NextAllowedInstant(now, [NewYork]));
    }

    [Fact]
    public void NextAllowedInstant_ExactlyAtClose_IsNotAllowed()
    {
        var now = At("2026-06-10T21:00:00-04:00");

        Assert.False(Policy.IsAllowed(now, [NewYork]));
        Assert.True(Policy.IsAllowed(now.AddTicks(-1), [NewYork]));
        Assert.Equal(At("2026-06-11T08:00:00-04:00"), Policy.NextAllowedInstant(now, [NewYork]));
    }

    [Fact]
    public void NextAllowedInstant_AcrossSpringForward_OpensAtEightDaylightTime()
    {
        // 2026-03-08: clocks in New York jump from 02:00 EST to 03:00 EDT.
        var saturdayNight = At("2026-03-07T23:00:00-05:00");

        var next = Policy.NextAllowedInstant(saturdayNight, [NewYork]);

        Assert.Equal(At("2026-03-08T08:00:00-04:00"), next);
        Assert.Equal(TimeSpan.FromHours(8), TimeZoneInfo.ConvertTime(next, NewYork).TimeOfDay);
    }

    [Fact]
    public void NextAllowedInstant_AcrossFallBack_OpensAtEightStandardTime()
    {
        // 2026-11-01: clocks in New York fall back from 02:00 EDT to 01:00 EST.
        var saturdayNight = At("2026-10-31T23:00:00-04:00");

        var next = Policy.NextAllowedInstant(saturdayNight, [NewYork]);

        Assert.Equal(At("2026-11-01T08:00:00-05:00"), next);
        Assert.Equal(TimeSpan.FromHours(8), TimeZoneInfo.ConvertTime(next, NewYork).TimeOfDay);
    }

    [Fact]
    public void NextAllowedInstant_SeveralZones_WaitsForTheLatestToOpen()
    {
        // 08:30 in New York is 05:30 in Los Angeles: only once LA reaches 08:00 is everyone in the window.
        var now = At("2026-06-10T08:30:00-04:00");

        var next = Policy.NextAllowedInstant(now, [NewYork, Chicago, LosAngeles]);

        Assert.Equal(At("2026-06-10T08:00:00-07:00"), next);
    }

    [Fact]
    public void IsAllowed_SeveralZones_ClosesWhenTheEarliestCloses()
    {
        // 18:30 in LA is 21:30 in New York: New York is already quiet.
        var now = At("2026-06-10T18:30:00-07:00");

        Assert.False(Policy.IsAllowed(now, [NewYork, LosAngeles]));
        Assert.True(Policy.IsAllowed(now, [LosAngeles]));
        Assert.Equal(At("2026-06-11T08:00:00-07:00"), Policy.NextAllowedInstant(now, [NewYork, LosAngeles]));
    }

    [Fact]
    public void NextAllowedInstant_WindowSpanningMidnight_IsHonoured()
    {
        var nightShift = new QuietHoursPolicy(new QuietHoursSettings(true, TimeSpan.FromHours(22), TimeSpan.FromHours(2)));
        var now = At("2026-06-10T12:00:00-04:00");

        Assert.Equal(At("2026-06-10T22:00:00-04:00"), nightShift.NextAllowedInstant(now, [NewYork]));
        Assert.True(nightShift.IsAllowed(At("2026-06-11T01:59:00-04:00"), [NewYork]));
    }

    [Fact]
    public void NextAllowedInstant_Disabled_IsAlwaysNow()
    {
        var always = new QuietHoursPolicy(QuietHoursSettings.Default with { Enabled = false });
        var midnight = At("2026-06-10T00:00:00-04:00");

        Assert.Equal(midnight, always.NextAllowedInstant(midnight, [NewYork]));
    }

    [Fact]
    public void NextAllowedInstant_NeverEarly_AcrossAWeekOfMinutes()
    {
        var start = At("2026-03-05T00:00:00-05:00");
        for (var minute = 0; minute < 7 * 24 * 60; minute += 7)
        {
            var now = start.AddMinutes(minute);
            var next = Policy.NextAllowedInstant(now, [NewYork, LosAngeles]);
            Assert.True(next >= now);
            Assert.True(Policy.IsAllowed(next, [NewYork, LosAngeles]));
            Assert.True(next == now || !Policy.IsAllowed(next.AddMinutes(-1), [NewYork, LosAngeles]), $"not the earliest at {now:o}");
        }
    }

    private static DateTimeOffset At(string iso) => DateTimeOffset.Parse(iso, System.Globalization.CultureInfo.InvariantCulture);
}
