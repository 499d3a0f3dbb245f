namespace Engine.Grains.Abstractions.Automation;

/// <summary>
/// The automation timers of one lead: the playbooks running for it and when their next steps are due.
/// Key: "{tenant}/{e164}", the lead's own key. Due steps are durable Orleans reminders.
/// </summary>
[Alias("engine.automation")]
public interface IAutomationGrain : IGrainWithStringKey
{
    /// <summary>The lead was just created: starts lead-created playbooks (speed-to-lead).</summary>
    [Alias("lead-created")]
    Task LeadCreatedAsync(DateTimeOffset at);

    /// <summary>The lead wrote: stops runs that end on a reply, starts inbound and keyword playbooks.</summary>
    [Alias("inbound")]
    Task InboundReceivedAsync(Channel channel, string? body, DateTimeOffset at);

    /// <summary>The business sent a message: starts no-reply follow-up playbooks.</summary>
    [Alias("outbound")]
    Task OutboundSentAsync(Channel channel, DateTimeOffset at);

    /// <summary>The lead's stage changed: stops runs that end on a stage change.</summary>
    [Alias("stage-changed")]
    Task StageChangedAsync(string? stage);

    /// <summary>The lead opted out (on one channel, or all when null): stops those runs at once.</summary>
    [Alias("opted-out")]
    Task OptedOutAsync(Channel? channel);

    /// <summary>The runs in progress.</summary>
    [Alias("runs"), ReadOnly]
    Task<IReadOnlyList<AutomationRun>> GetRunsAsync();

    /// <summary>Erasure: forgets this grain's stored state and reminders, then deactivates (see ILeadErasureGrain).</summary>
    [Alias("erase")]
    Task EraseAsync();
}
