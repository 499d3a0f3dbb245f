using System.Diagnostics.Metrics;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Delivery;

namespace Engine.Grains.Telemetry;

/// <summary>
/// The engine's instruments on the "Engine" meter. Attributes are low-cardinality labels (channel,
/// provider, outcome, reason); never a tenant, a lead or a message, which belong in traces.
/// </summary>
public sealed class EngineMetrics
{
    private readonly Counter<long> _sends;
    private readonly Counter<long> _suppressed;
    private readonly Counter<long> _consentChanges;
    private readonly Histogram<double> _providerDuration;
    private readonly Histogram<double> _handOffCheckDuration;
    private readonly Histogram<double> _queueWait;
    private readonly UpDownCounter<long> _queueDepth;
    private readonly Histogram<double> _automationLateness;
    private readonly Histogram<double> _scheduledSendLateness;

    private static readonly double[] WakeUpLatenessBuckets = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 900, 3600];

    /// <summary>The <c>woken_by</c> label of a wake-up by a grain timer (its grain was active).</summary>
    public const string WokenByTimer = "timer";

    /// <summary>The <c>woken_by</c> label of a wake-up by a durable reminder (its grain had to be brought back).</summary>
    public const string WokenByReminder = "reminder";

    public EngineMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(EngineTelemetry.SourceName);
        _sends = meter.CreateCounter<long>("engine.sends", description: "Hand-offs to a provider, by channel and outcome (accepted, transient, permanent, unknown).");
        _suppressed = meter.CreateCounter<long>("engine.sends.suppressed",
            description: "Messages refused at the last check before a hand-off, by channel and reason (opted_out, no_consent, window_closed).");
        _consentChanges = meter.CreateCounter<long>("engine.consent.changes", description: "Consent changes applied to leads, by channel, new status and source.");
        _providerDuration = meter.CreateHistogram<double>("engine.provider.duration", unit: "s",
            description: "Time a provider took to answer one hand-off, retries included, by provider and outcome.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30] });
        _handOffCheckDuration = meter.CreateHistogram<double>("engine.handoff.check.duration", unit: "s",
            description: "Time the last consent, quiet-hours, window and cap check took for one batch about to leave, by channel.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1] });
        _queueWait = meter.CreateHistogram<double>("engine.sender.queue.wait", unit: "s",
            description: "How long a message waited between being queued and its hand-off, by channel.",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 3600] });
        _queueDepth = meter.CreateUpDownCounter<long>("engine.sender.queue.depth",
            description: "Messages waiting in the senders active in this process, by channel.");
        _automationLateness = meter.CreateHistogram<double>("engine.automation.lateness", unit: "s",
            description: "How late a playbook step fired after it was due, by what woke it (timer, reminder).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = WakeUpLatenessBuckets });
        _scheduledSendLateness = meter.CreateHistogram<double>("engine.scheduled_send.lateness", unit: "s",
            description: "How late a scheduled message (send time, quiet hours) was released to its sender after it was due, by what woke it (timer, reminder).",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = WakeUpLatenessBuckets });
    }


    public void HandedOff(Channel channel, string provider, HandOff outcome, TimeSpan duration)
    {
        var outcomeName = OutcomeName(outcome);
        _sends.Add(1, new("channel", channel.ToWireName()), new("outcome", outcomeName));
        _providerDuration.Record(duration.TotalSeconds, new("provider", provider), new("outcome", outcomeName));
    }

    public void HandOffChecked(Channel channel, TimeSpan duration) =>
        _handOffCheckDuration.Record(duration.TotalSeconds, new KeyValuePair<string, object?>("channel", channel.ToWireName()));

    public void LeftQueue(Channel channel, TimeSpan waited) =>
        _queueWait.Record(waited.TotalSeconds, new KeyValuePair<string, object?>("channel", channel.ToWireName()));

    /// <summary>A sender's queue grew or shrank by <paramref name="delta"/>.</summary>
    public void QueueDepthChanged(Channel channel, long delta) =>
        _queueDepth.Add(delta, new KeyValuePair<string, object?>("channel", channel.ToWireName()));

    /// <summary>A playbook step fired <paramref name="lateness"/> after it was due; <paramref name="wokenBy"/> is <see cref="WokenByTimer"/> or <see cref="WokenByReminder"/>.</summary>
    public void AutomationStepFired(string wokenBy, TimeSpan lateness) =>
        _automationLateness.Record(Math.Max(0, lateness.TotalSeconds), new KeyValuePair<string, object?>("woken_by", wokenBy));

    /// <summary>A scheduled message left for its sender <paramref name="lateness"/> after it was due; <paramref name="wokenBy"/> is <see cref="WokenByTimer"/> or <see cref="WokenByReminder"/>.</summary>
    public void ScheduledSendReleased(string wokenBy, TimeSpan lateness) =>
        _scheduledSendLateness.Record(Math.Max(0, lateness.TotalSeconds), new KeyValuePair<string, object?>("woken_by", wokenBy));

    public void Suppressed(Channel channel, string reason) =>
        _suppressed.Add(1, new("channel", channel.ToWireName()), new("reason", reason));

    public void ConsentChanged(Channel channel, ConsentStatus status, ConsentSource source) =>
        _consentChanges.Add(1, new("channel", channel.ToWireName()), new("status", status.ToString()), new("source", source.ToString()));

    /// <summary>The outcome label of a hand-off, as metrics and spans both name it.</summary>
    public static string OutcomeName(HandOff outcome) => outcome switch
    {
        HandOff.Accepted => "accepted",
        HandOff.Transient => "transient",
        HandOff.Permanent => "permanent",
        _ => "unknown",
    };
}
