using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Engine.Gateway.Tests.Telemetry;

/// <summary>
/// Stands in for an OpenTelemetry Collector's OTLP/HTTP receiver on a loopback port: accepts every
/// export (/v1/traces, /v1/metrics, /v1/logs) and counts them, without reading the protobuf.
/// </summary>
public sealed class OtlpReceiver : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, int> _exports = new(StringComparer.Ordinal);
    private WebApplication _app = null!;

    public string Endpoint { get; private set; } = "";

    /// <summary>The settings that send a process's telemetry here, batched every 200 ms.</summary>
    public IEnumerable<KeyValuePair<string, string?>> Settings =>
    [
        new("OTEL_EXPORTER_OTLP_ENDPOINT", Endpoint),
        new("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
        new("OTEL_BSP_SCHEDULE_DELAY", "200"),
    ];

    /// <summary>Export requests received for a signal ("traces", "metrics", "logs").</summary>
    public int Exports(string signal) => _exports.GetValueOrDefault(signal);

    public static async Task<OtlpReceiver> StartAsync()
    {
        var (builder, baseUrl) = LoopbackServer.CreateBuilder();
        var receiver = new OtlpReceiver { _app = builder.Build(), Endpoint = baseUrl };
        receiver._app.MapPost("/v1/{signal}", async (string signal, HttpRequest request) =>
        {
            await request.Body.CopyToAsync(Stream.Null);
            receiver._exports.AddOrUpdate(signal, 1, (_, n) => n + 1);
            return Results.Bytes([], "application/x-protobuf");
        });
        await receiver._app.StartAsync();
        return receiver;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
