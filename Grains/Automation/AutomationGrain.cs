using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Automation;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Leads;
using Engine.Grains.Policies;
using Engine.Grains.Storage;
using Engine.Grains.Telemetry;
using Engine.Grains.Tenants;
using Engine.Grains.Storage.Automation;

namespace Engine.Grains.Automation;

/// <summary>
/// A lead's playbook runs. Due steps are kept durable by one Orleans reminder (on PostgreSQL) aimed at
/// the earliest due step, and fired on time by a grain timer while the grain is active. Reentrant, so
/// the lead and conversation grains can notify it while it is itself waiting on them; every change of
/// state happens under one lock that is never held across a call to another grain.
/// </summary>
[GrainType("automation"), Reentrant, Orleans.Placement.PreferLocalPlacement]
internal sealed partial class AutomationGrain(
    [PersistentState("automation", GrainStorage.Name)] IPersistentState<AutomationState> state,
    IAutomationLog automationLog,
    TenantCache tenants,
    TimeProvider time,
    EngineMetrics metrics,
    ILogger<AutomationGrain> logger) : Grain, IAutomationGrain, IRemindable, IDisposable
{
    private const string DueReminder = "automation";
    private static readonly TimeSpan ReminderPeriod = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan ConsentWait = TimeSpan.FromMinutes(2);
    private static readonly TimeSpan ConsentRetry = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan TimerHorizon = TimeSpan.FromMinutes(5);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private string _tenantId = "";
    private string _phone = "";
    private IGrainTimer? _timer;
    private bool _firing;
    private DateTimeOffset? _reminderDueAt;

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        (_tenantId, _phone) = GrainKeys.ParseLead(this.GetPrimaryKeyString());
        ScheduleTimer();
        return Task.CompletedTask;
    }

    public Task LeadCreatedAsync(DateTimeOffset at) => StartAsync(PlaybookTrigger.LeadCreated, null, null, at);

    public async Task InboundReceivedAsync(Channel channel, string? body, DateTimeOffset at)
    {
        await ChangeRunsAsync(runs => runs.RemoveAll(r => !r.ContinueAfterReply && at > r.StartedAt) > 0);
        await StartAsync(PlaybookTrigger.InboundMessage, channel, body, at);
        await StartAsync(PlaybookTrigger.Keyword, channel, body, at);
    }

    public Task OutboundSentAsync(Channel channel, DateTimeOffset at) => StartAsync(PlaybookTrigger.NoReply, channel, null, at);

    public Task StageChangedAsync(string? stage) =>
        ChangeRunsAsync(runs => runs.RemoveAll(r => !r.ContinueAfterStageChange && r.StageAtStart != stage) > 0);

    public Task OptedOutAsync(Channel? channel) =>
        ChangeRunsAsync(runs => runs.RemoveAll(r => channel is null || r.Channel == channel) > 0);

    public async Task EraseAsync()
    {
        await _gate.WaitAsync();
        try
        {
            state.State.Runs.Clear();
            if (await this.GetReminder(DueReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }

            _reminderDueAt = null;
            if (state.RecordExists)
            {
                await state.ClearStateAsync();
            }

            state.State = new AutomationState();
        }
        finally
        {
            _gate.Release();
        }

        ScheduleTimer(); // no runs: the timer stops
        DeactivateOnIdle();
    }

    public Task<IReadOnlyList<AutomationRun>> GetRunsAsync() => Task.FromResult<IReadOnlyList<AutomationRun>>(state.State.Runs.ToArray());

    public Task ReceiveReminder(string reminderName, TickStatus status) => FireDueAsync(EngineMetrics.WokenByReminder);

    public void Dispose() => _gate.Dispose();

    private async Task StartAsync(PlaybookTrigger trigger, Channel? channel, string? body, DateTimeOffset at)
    {
        var playbooks = await PlaybooksAsync();
        if (!playbooks.Any(p => p.Trigger == trigger))
        {
            return; // the common case: nothing to start, nothing to read or write
        }

        var stage = trigger == PlaybookTrigger.LeadCreated ? null : (await Lead.GetAsync()).Profile.Stage;
        await ChangeRunsAsync(runs =>
        {
            var started = PlaybookScheduler.Start(playbooks, runs, trigger, channel, body, stage, at)
                .Where(run => !runs.Any(r => r.RunId == run.RunId))
                .ToArray();
            runs.AddRange(started);
            return started.Length > 0;
        });
    }

    private async Task FireDueAsync(string wokenBy)
    {
        if (_firing)
        {
            return;
        }

        _firing = true;
        try
        {
            var now = time.GetUtcNow();
            var due = state.State.Runs.Where(r => r.NextDueAt <= now).ToArray();
            if (due.Length == 0)
            {
                return;
            }

            var playbooks = await PlaybooksAsync(forceRefresh: true);
            var lead = await Lead.GetAsync();
            var outcomes = new List<(AutomationRun Run, AutomationRun? Next)>();
            foreach (var run in due)
            {
                outcomes.Add((run, await FireAsync(run, playbooks.FirstOrDefault(p => p.PlaybookId == run.PlaybookId), lead, now, wokenBy)));
            }

            await ChangeRunsAsync(runs =>
            {
                foreach (var (run, next) in outcomes)
                {
                    var index = runs.FindIndex(r => r.RunId == run.RunId && r.NextStep == run.NextStep);
                    if (index < 0)
                    {
                        continue; // stopped meanwhile (reply, opt-out)
                    }

                    if (next is null)
                    {
                        runs.RemoveAt(index);
                    }
                    else
                    {
                        runs[index] = next;
                    }
                }

                return true;
            });
        }
        finally
        {
            _firing = false;
        }
    }

    // Fires one due step; returns the run as it continues, or null when it is over.
    private async Task<AutomationRun?> FireAsync(AutomationRun run, Playbook? playbook, LeadSnapshot lead, DateTimeOffset now, string wokenBy)
    {
        if (playbook is null || run.NextStep >= playbook.Steps.Count)
        {
            return null; // the playbook was removed or shortened
        }

        // Replies already ended their runs when they arrived (InboundReceivedAsync); the stage is checked here.
        if (PlaybookScheduler.IsStopped(run, lastInboundAt: null, lead.Profile.Stage))
        {
            return null;
        }

        var step = playbook.Steps[run.NextStep];
        DateTimeOffset? sendAt = null;
        if (step.BusinessHoursOnly)
        {
            var tenant = await tenants.RequireSettingsAsync(_tenantId);
            sendAt = QuietHoursPolicy.ForBusinessHours(tenant.OpeningHours()).NextAllowedInstant(now, QuietHoursPolicy.ZonesOf(lead, tenant));
        }

        var result = await GrainFactory.GetGrain<IConversationGrain>(GrainKeys.Conversation(_tenantId, _phone, run.Channel)).SendAutomatedAsync(
            new OutboundRequest($"auto/{run.RunId}/{run.NextStep}", step.Body, step.Template, sendAt, OutboundPurpose.Automation), lead);

        // Consent is often recorded just after the lead is created: the step waits for it (it never
        // sends without it), and the run ends if none arrives in time.
        if (result.Rejection == RejectionCode.NoConsent && now - run.StartedAt < ConsentWait)
        {
            return run with { NextDueAt = now + ConsentRetry };
        }

        await automationLog.RecordAsync(new AutomationFiring(
            _tenantId, _phone, run.RunId, run.NextStep, run.PlaybookId, run.NextDueAt, now,
            result.Disposition == SendDisposition.Rejected ? null : result.MessageId,
            result.Disposition == SendDisposition.Rejected ? $"rejected:{result.Rejection}" : result.Disposition.ToString().ToLowerInvariant()));
        var lateness = now - run.NextDueAt;
        metrics.AutomationStepFired(wokenBy, lateness);
        LogStepFired(logger, run.PlaybookId, run.NextStep, lateness.TotalMilliseconds);
        return result.Disposition == SendDisposition.Rejected ? null : PlaybookScheduler.Advance(run, playbook);
    }

    private async Task ChangeRunsAsync(Func<List<AutomationRun>, bool> change)
    {
        await _gate.WaitAsync();
        try
        {
            if (change(state.State.Runs))
            {
                await state.WriteStateAsync();
            }

            await ScheduleReminderAsync();
        }
        finally
        {
            _gate.Release();
        }

        ScheduleTimer();
    }

    // The reminder is the durable wake-up; moving it costs a row write, so only when the earliest due changes.
    private async Task ScheduleReminderAsync()
    {
        var earliest = state.State.Runs.Count == 0 ? (DateTimeOffset?)null : state.State.Runs.Min(r => r.NextDueAt);
        if (earliest == _reminderDueAt)
        {
            return;
        }

        if (earliest is null)
        {
            if (await this.GetReminder(DueReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        else
        {
            var dueIn = earliest.Value - time.GetUtcNow();
            await this.RegisterOrUpdateReminder(DueReminder, dueIn > TimeSpan.Zero ? dueIn : TimeSpan.Zero, ReminderPeriod);
        }

        _reminderDueAt = earliest;
    }

    // The timer gives second-level precision while the grain is active; the reminder covers the rest.
    private void ScheduleTimer()
    {
        _timer?.Dispose();
        _timer = null;
        if (state.State.Runs.Count == 0)
        {
            return;
        }

        var dueIn = state.State.Runs.Min(r => r.NextDueAt) - time.GetUtcNow();
        if (dueIn < TimerHorizon)
        {
            _timer = this.RegisterGrainTimer(_ => FireDueAsync(EngineMetrics.WokenByTimer), new GrainTimerCreationOptions(dueIn > TimeSpan.Zero ? dueIn : TimeSpan.Zero, Timeout.InfiniteTimeSpan)
            {
                Interleave = true,
            });
        }
    }

    private async Task<IReadOnlyList<Playbook>> PlaybooksAsync(bool forceRefresh = false) => (await tenants.GetAsync(_tenantId, fresh: forceRefresh)).Playbooks;

    private ILeadGrain Lead => GrainFactory.GetGrain<ILeadGrain>(this.GetPrimaryKeyString());

    [LoggerMessage(EventId = 2301, EventName = "PlaybookStepFired", Level = LogLevel.Debug,
        Message = "Playbook {PlaybookId} step {Step} fired {LatenessMs} ms after it was due")]
    private static partial void LogStepFired(ILogger logger, string playbookId, int step, double latenessMs);
}
