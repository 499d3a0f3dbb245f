using System.Diagnostics.Metrics;
using Engine.Gateway.Webhooks;

namespace Engine.Gateway.Tests.Webhooks;

/// <summary>Listens to one of the gateway's webhook counters for the duration of a test.</summary>
internal sealed class WebhookCounter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly List<Dictionary<string, string?>> _seen = [];

    public WebhookCounter(string instrumentName)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == WebhookMetrics.MeterName && instrument.Name == instrumentName)
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
        {
            var values = tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString());
            lock (_seen)
            {
                _seen.Add(values);
            }
        });
        _listener.Start();
    }

    /// <summary>How many measurements carried all of <paramref name="tags"/>.</summary>
    public int Count(params (string Name, string Value)[] tags)
    {
        lock (_seen)
        {
            return _seen.Count(seen => tags.All(tag => seen.GetValueOrDefault(tag.Name) == tag.Value));
        }
    }

    public void Dispose() => _listener.Dispose();
}
