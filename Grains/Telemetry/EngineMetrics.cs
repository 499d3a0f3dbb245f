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
    }

    public void HandedOff(Channel channel, string provider, HandOff outcome, TimeSpan duration)
    {
        var outcomeName = OutcomeName(outcome);
        _sends.Add(1, new("channel", channel.ToWireName()), new("outcome", outcomeName));
        _providerDuration.Record(duration.TotalSeconds, new("provider", provider), new("outcome", outcomeName));
    }

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
