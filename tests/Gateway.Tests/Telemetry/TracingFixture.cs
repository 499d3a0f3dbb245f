using System.Diagnostics;
using Engine.Grains.Hosting;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using OpenTelemetry.Trace;

namespace Engine.Gateway.Tests.Telemetry;

/// <summary>
/// The gateway fixture with its silo hosted in this process too (built exactly as the Silo process
/// builds it), so one in-memory exporter sees the spans of both; they still talk over Orleans' TCP
/// gateway port, so the trace context crosses a real network hop. Both export by OTLP to
/// <see cref="Otlp"/>, which is what turns tracing on.
/// </summary>
public sealed class TracingFixture : GatewayFixture
{
    private readonly List<Activity> _spans = [];
    private IHost? _silo;

    /// <summary>Every span recorded in this process so far (other collections' included).</summary>
    public IReadOnlyList<Activity> Spans => _spans.ToArray();

    public OtlpReceiver Otlp { get; private set; } = null!;

    protected override void ConfigureGateway(WebApplicationBuilder builder)
    {
        builder.Configuration.AddInMemoryCollection(Otlp.Settings);
        builder.Services.ConfigureOpenTelemetryTracerProvider(tracing => tracing.AddInMemoryExporter(_spans));
    }

    protected override async Task StartClusterAsync()
    {
        Otlp = await OtlpReceiver.StartAsync();
        _silo = EngineSiloHost.Build([], builder => builder.Configuration.AddInMemoryCollection(
            SiloEnvironment.Select(e => KeyValuePair.Create(e.Key.Replace("__", ":", StringComparison.Ordinal), (string?)e.Value))
                .Append(new("Logging:LogLevel:Default", "Warning"))
                .Concat(Otlp.Settings)));
        await _silo.PrepareStorageAsync();
        await _silo.StartProbesAsync();
        await _silo.StartAsync(); // returns once the silo has joined the cluster
    }

    protected override async Task StopClusterAsync()
    {
        if (_silo is not null)
        {
            await _silo.StopAsync();
            _silo.Dispose();
        }

        await Otlp.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class TracingCollection : ICollectionFixture<TracingFixture>
{
    public const string Name = "tracing";
}
