using System.Diagnostics.Metrics;

namespace Engine.Gateway.Webhooks;

/// <summary>Counters of the webhook endpoints, on the "Engine.Gateway" meter.</summary>
internal sealed class WebhookMetrics
{
    public const string MeterName = Engine.Grains.Telemetry.EngineTelemetry.GatewayMeterName;

    private readonly Counter<long> _rejected;
    private readonly Counter<long> _processed;
    private readonly Counter<long> _rejectedItems;

    public WebhookMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(MeterName);
        _rejected = meter.CreateCounter<long>("engine.webhooks.rejected", description: "Webhook requests refused (bad signature, unknown tenant, malformed body).");
        _processed = meter.CreateCounter<long>("engine.webhooks.items", description: "Webhook items handled, by outcome.");
        _rejectedItems = meter.CreateCounter<long>("engine.webhooks.rejected_items",
            description: "Webhook items acknowledged (200) but unusable, recorded in the rejected-webhook log; by provider, kind and reason code.");
    }

    public void Rejected(string provider, string reason) =>
        _rejected.Add(1, new("provider", provider), new("reason", reason));

    public void RejectedItem(string provider, string kind, string reason) =>
        _rejectedItems.Add(1, new("provider", provider), new("kind", kind), new("reason", reason));

    public void Item(string provider, string kind, string outcome) =>
        _processed.Add(1, new("provider", provider), new("kind", kind), new("outcome", outcome));
}
