using Engine.Grains.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Engine.Grains.Hosting;

/// <summary>
/// The one telemetry spine every host calls (silo, gateway, embedded gateway), through OpenTelemetry.
/// Metrics are always recorded and scrapeable (Prometheus format, mapped by each host at /metrics).
/// When the standard OTEL_EXPORTER_OTLP_ENDPOINT is set, traces and logs are recorded too and all three
/// go to that collector. Orleans carries the trace context between client and silos
/// through <see cref="EngineTracing"/>, added where each host configures Orleans.
/// </summary>
public static class TelemetryHostingExtensions
{
    /// <summary>The OpenTelemetry SDK's own setting; the exporter reads it (and its siblings) itself.</summary>
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>Paths of probes and scrapes: answered often, traced never.</summary>
    public static readonly string[] ProbePaths = ["/healthz", "/readyz", "/metrics"];

    private static readonly string[] OrleansSources = ["Microsoft.Orleans.Runtime", "Microsoft.Orleans.Application"];

    /// <param name="builder">The host.</param>
    /// <param name="serviceName">service.name of this process ("engine-silo", "engine-gateway"); OTEL_RESOURCE_ATTRIBUTES adds to it.</param>
    public static IHostApplicationBuilder AddEngineTelemetry(this IHostApplicationBuilder builder, string serviceName)
    {
        builder.Services.TryAddSingleton<EngineMetrics>();
        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService(serviceName).AddEnvironmentVariableDetector())
            .WithMetrics(metrics => metrics
                .AddMeter(EngineTelemetry.SourceName, EngineTelemetry.GatewayMeterName, "Microsoft.Orleans", "System.Runtime")
                .AddAspNetCoreInstrumentation()
                .AddHttpClientInstrumentation()
                .AddNpgsqlInstrumentation()
                .AddPrometheusExporter());
        if (string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointSetting]))
        {
            return builder; // spans nobody exports are not made at all: tracing costs nothing until a collector is set
        }

        otel.WithTracing(tracing => tracing
            // First, so no exporter added after it ever sees a phone number.
            .AddProcessor(new PersonalDataRedactor())
            .AddSource(EngineTelemetry.SourceName, "Grpc.Net.Client")
            .AddSource(OrleansSources)
            .AddAspNetCoreInstrumentation(aspNetCore => aspNetCore.Filter = http => !IsProbe(http.Request.Path))
            .AddHttpClientInstrumentation()
            .AddNpgsql());
        builder.Logging.AddOpenTelemetry(logging => (logging.IncludeFormattedMessage, logging.IncludeScopes) = (true, true));
        otel.UseOtlpExporter();
        return builder;
    }

    private static bool IsProbe(PathString path) => ProbePaths.Any(probe => path.StartsWithSegments(probe, StringComparison.OrdinalIgnoreCase));
}
