using Engine.Grains.Abstractions.Conversations;

namespace Engine.Grains.Abstractions.Automation;

/// <summary>What starts a playbook for a lead.</summary>
public enum PlaybookTrigger
{
    /// <summary>The lead was created (speed-to-lead).</summary>
    LeadCreated = 1,

    /// <summary>The lead sent any message on the playbook's channel.</summary>
    InboundMessage = 2,

    /// <summary>The lead sent the playbook's keyword.</summary>
    Keyword = 3,

    /// <summary>The business sent a message and the lead has not answered (follow-up cadence).</summary>
    NoReply = 4,
}

/// <summary>One step: after a delay, send a text or template; optionally only in business hours.</summary>
[GenerateSerializer, Immutable, Alias("engine.playbook-step.v1")]
public sealed record class PlaybookStep(
    [property: Id(0)] TimeSpan Delay,
    [property: Id(1)] string? Body,
    [property: Id(2)] TemplateRef? Template,
    [property: Id(3)] bool BusinessHoursOnly);

/// <summary>A tenant's automation: a trigger, steps, and what stops it.</summary>
[GenerateSerializer, Immutable, Alias("engine.playbook.v1")]
public sealed record class Playbook(
    [property: Id(0)] string PlaybookId,
    [property: Id(1)] string Name,
    [property: Id(2)] PlaybookTrigger Trigger,
    [property: Id(3)] string? Keyword,
    [property: Id(4)] Channel Channel,
    [property: Id(5)] IReadOnlyList<PlaybookStep> Steps,
    [property: Id(6)] bool ContinueAfterReply,
    [property: Id(7)] bool ContinueAfterStageChange);

/// <summary>A playbook running for one lead: which step is next and when it is due.</summary>
[GenerateSerializer, Immutable, Alias("engine.automation-run.v1")]
public sealed record class AutomationRun(
    [property: Id(0)] string RunId,
    [property: Id(1)] string PlaybookId,
    [property: Id(2)] Channel Channel,
    [property: Id(3)] int NextStep,
    [property: Id(4)] DateTimeOffset NextDueAt,
    [property: Id(5)] DateTimeOffset StartedAt,
    [property: Id(6)] bool ContinueAfterReply,
    [property: Id(7)] bool ContinueAfterStageChange,
    [property: Id(8)] string? StageAtStart);
