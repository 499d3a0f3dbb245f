using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Automation;

namespace Engine.Grains.Policies;

/// <summary>
/// Which playbooks a trigger starts for a lead, and where a run goes after each step. Pure: the grain
/// supplies the playbooks, the runs already going and the clock.
/// </summary>
public static class PlaybookScheduler
{
    /// <summary>Runs to start. A playbook already running for the lead is not started a second time.</summary>
    public static IReadOnlyList<AutomationRun> Start(
        IEnumerable<Playbook> playbooks, IEnumerable<AutomationRun> running, PlaybookTrigger trigger,
        Channel? channel, string? body, string? stage, DateTimeOffset at)
    {
        var active = running.Select(r => r.PlaybookId).ToHashSet(StringComparer.Ordinal);
        return playbooks
            .Where(p => p.Trigger == trigger && p.Steps.Count > 0 && !active.Contains(p.PlaybookId))
            .Where(p => trigger == PlaybookTrigger.LeadCreated || p.Channel == channel)
            .Where(p => trigger != PlaybookTrigger.Keyword || KeywordMatches(body, p.Keyword))
            .Select(p => new AutomationRun(
                // Derived from the trigger, so a replayed notification starts nothing new.
                $"{p.PlaybookId}:{at.UtcTicks}", p.PlaybookId, p.Channel, 0, at + p.Steps[0].Delay, at,
                p.ContinueAfterReply, p.ContinueAfterStageChange, stage))
            .ToArray();
    }

    /// <summary>The run after its current step fired, or null when that was the last step.</summary>
    public static AutomationRun? Advance(AutomationRun run, Playbook playbook)
    {
        var next = run.NextStep + 1;
        return next < playbook.Steps.Count
            ? run with { NextStep = next, NextDueAt = run.NextDueAt + playbook.Steps[next].Delay }
            : null;
    }

    /// <summary>Whether the lead's reply (or stage change) since the run began ends it.</summary>
    public static bool IsStopped(AutomationRun run, DateTimeOffset? lastInboundAt, string? currentStage) =>
        (!run.ContinueAfterReply && lastInboundAt is { } replied && replied > run.StartedAt)
        || (!run.ContinueAfterStageChange && !string.Equals(run.StageAtStart, currentStage, StringComparison.Ordinal));

    private static bool KeywordMatches(string? body, string? keyword) =>
        body is not null && keyword is not null &&
        string.Equals(body.Trim().TrimEnd('.', '!', '?'), keyword.Trim(), StringComparison.OrdinalIgnoreCase);
}
