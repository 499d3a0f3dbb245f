using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Automation;
using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Policies;
using Microsoft.Extensions.Time.Testing;

namespace Engine.Grains.Tests.Policies;

public sealed class PlaybookSchedulerTests
{
    private static readonly Playbook Welcome = new("welcome", "Welcome", PlaybookTrigger.LeadCreated, null, Channel.Sms,
        [new PlaybookStep(TimeSpan.Zero, "Hi!", null, false), new PlaybookStep(TimeSpan.FromHours(1), "Still looking?", null, false), new PlaybookStep(TimeSpan.FromDays(1), "Last try", null, false)],
        ContinueAfterReply: false, ContinueAfterStageChange: false);

    private static readonly Playbook Price = new("price", "Price list", PlaybookTrigger.Keyword, "PRICE", Channel.WhatsApp,
        [new PlaybookStep(TimeSpan.Zero, "Prices start at $1,200/month.", null, false)], false, false);

    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-06-10T15:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public void Start_LeadCreated_FirstStepDueAfterItsDelay()
    {
        var runs = PlaybookScheduler.Start([Welcome, Price], [], PlaybookTrigger.LeadCreated, null, null, null, _clock.GetUtcNow());

        var run = Assert.Single(runs);
        Assert.Equal(("welcome", 0, _clock.GetUtcNow()), (run.PlaybookId, run.NextStep, run.NextDueAt));
    }

    [Fact]
    public void Start_PlaybookAlreadyRunning_StartsNothing()
    {
        var first = PlaybookScheduler.Start([Welcome], [], PlaybookTrigger.LeadCreated, null, null, null, _clock.GetUtcNow());
        _clock.Advance(TimeSpan.FromMinutes(1));

        var second = PlaybookScheduler.Start([Welcome], first, PlaybookTrigger.LeadCreated, null, null, null, _clock.GetUtcNow());

        Assert.Empty(second);
    }

    [Theory]
    [InlineData("price", Channel.WhatsApp, 1)]
    [InlineData("  Price? ", Channel.WhatsApp, 1)]
    [InlineData("price list please", Channel.WhatsApp, 0)]
    [InlineData("price", Channel.Sms, 0)]
    public void Start_Keyword_MatchesWholeWordOnItsChannel(string body, Channel channel, int expected) =>
        Assert.Equal(expected, PlaybookScheduler.Start([Price], [], PlaybookTrigger.Keyword, channel, body, null, _clock.GetUtcNow()).Count);

    [Fact]
    public void Advance_DueTimesFollowTheCadence_ThenEnds()
    {
        var run = PlaybookScheduler.Start([Welcome], [], PlaybookTrigger.LeadCreated, null, null, null, _clock.GetUtcNow())[0];

        var second = PlaybookScheduler.Advance(run, Welcome)!;
        var third = PlaybookScheduler.Advance(second, Welcome)!;
        var done = PlaybookScheduler.Advance(third, Welcome);

        Assert.Equal(_clock.GetUtcNow().AddHours(1), second.NextDueAt);
        Assert.Equal(_clock.GetUtcNow().AddHours(1).AddDays(1), third.NextDueAt);
        Assert.Null(done);
    }

    [Fact]
    public void IsStopped_ByAReplyAfterTheStart_OrAStageChange()
    {
        var run = PlaybookScheduler.Start([Welcome], [], PlaybookTrigger.LeadCreated, null, null, "new", _clock.GetUtcNow())[0];

        Assert.False(PlaybookScheduler.IsStopped(run, null, "new"));
        Assert.False(PlaybookScheduler.IsStopped(run, _clock.GetUtcNow().AddMinutes(-5), "new")); // wrote before the run began
        Assert.True(PlaybookScheduler.IsStopped(run, _clock.GetUtcNow().AddMinutes(5), "new"));
        Assert.True(PlaybookScheduler.IsStopped(run, null, "won"));
        Assert.False(PlaybookScheduler.IsStopped(run with { ContinueAfterReply = true, ContinueAfterStageChange = true }, _clock.GetUtcNow().AddMinutes(5), "won"));
    }

    [Fact]
    public void BusinessHours_FridayEvening_MovesToMondayMorning()
    {
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");
        var policy = new QuietHoursPolicy(new QuietHoursSettings(true, TimeSpan.FromHours(9), TimeSpan.FromHours(17)),
            [DayOfWeek.Monday, DayOfWeek.Tuesday, DayOfWeek.Wednesday, DayOfWeek.Thursday, DayOfWeek.Friday]);
        var fridayEvening = DateTimeOffset.Parse("2026-06-12T18:00:00-04:00", System.Globalization.CultureInfo.InvariantCulture);

        Assert.Equal(DateTimeOffset.Parse("2026-06-15T09:00:00-04:00", System.Globalization.CultureInfo.InvariantCulture),
            policy.NextAllowedInstant(fridayEvening, [newYork]));
    }
}
