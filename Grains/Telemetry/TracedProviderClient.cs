using System.Diagnostics;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Delivery;

namespace Engine.Grains.Telemetry;

/// <summary>
/// A provider client that reports each hand-off: a span resumed from the context that queued the
/// message (so a webhook's trace reaches the provider call), the send counter and the provider latency.
/// </summary>
internal sealed class TracedProviderClient(IProviderClient inner, Channel channel, EngineMetrics metrics) : IProviderClient
{
    private readonly string _provider = channel == Channel.Sms ? "twilio" : "meta";

    public bool CanConfirmSends => inner.CanConfirmSends;

    public async Task<ProviderSendOutcome> SendAsync(TenantSettings tenant, ProviderSendRequest request, CancellationToken cancellationToken)
    {
        using var activity = Start($"hand-off {_provider}", request);
        var started = Stopwatch.GetTimestamp();
        var outcome = await inner.SendAsync(tenant, request, cancellationToken);
        metrics.HandedOff(channel, _provider, outcome.Kind, Stopwatch.GetElapsedTime(started));
        if (activity is not null)
        {
            activity.SetTag(EngineTelemetry.Outcome, EngineMetrics.OutcomeName(outcome.Kind));
            if (outcome.Kind != HandOff.Accepted)
            {
                activity.SetStatus(ActivityStatusCode.Error, outcome.ErrorCode ?? EngineMetrics.OutcomeName(outcome.Kind));
            }
        }

        return outcome;
    }

    public async Task<SentLookup> FindSentAsync(TenantSettings tenant, ProviderSendRequest request, DateTimeOffset attemptedAt, CancellationToken cancellationToken)
    {
        using var activity = Start($"reconcile {_provider}", request);
        var lookup = await inner.FindSentAsync(tenant, request, attemptedAt, cancellationToken);
        activity?.SetTag(EngineTelemetry.Outcome, lookup.Verdict switch
        {
            SentVerdict.Sent => "adopted",
            SentVerdict.NotSent => "not_found",
            _ => "unanswered",
        });
        return lookup;
    }

    private Activity? Start(string name, ProviderSendRequest request)
    {
        var activity = EngineTelemetry.StartResumed(name, request.TraceParent, ActivityKind.Producer);
        activity?.SetTag(EngineTelemetry.TenantId, request.TenantId)
            .SetTag(EngineTelemetry.Channel, channel.ToWireName())
            .SetTag(EngineTelemetry.Provider, _provider)
            .SetTag(EngineTelemetry.MessageId, request.MessageId.ToString());
        return activity;
    }
}
