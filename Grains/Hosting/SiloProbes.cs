using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Engine.Grains.Hosting;

/// <summary>
/// The silo's HTTP listener on Silo:HttpUrl: /healthz (the process answers), /readyz (this silo is an
/// active cluster member and PostgreSQL answers), /metrics (Prometheus) and, with Silo:Dashboard, the
/// Orleans Dashboard (<see cref="SiloDashboard"/>). A small server of its own,
/// with no configuration of its own, so the silo stays a plain host and nothing else is exposed. It is
/// opened before the host starts (<see cref="EngineSiloHost.StartProbesAsync"/>), so a port already taken is a one-line
/// startup error, and liveness holds during a slow join while readiness does not; it stops with the host.
/// </summary>
internal sealed partial class SiloProbes(IOptions<SiloSettings> settings, IServiceProvider services, ILogger<SiloProbes> logger) : IHostedService, IAsyncDisposable
{
    private WebApplication? _app;

    internal static void AddTo(IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SiloSettings>().BindConfiguration(SiloSettings.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<SiloSettings>, SiloSettingsValidator>();
        builder.Services.AddHealthChecks()
            .AddCheck<MembershipHealthCheck>("cluster", tags: [EngineHealthChecks.ReadyTag])
            .AddEngineStorageChecks(redis: false);
        builder.Services.AddSingleton<SiloProbes>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SiloProbes>());
        SiloDashboard.AddTo(builder);
    }

    Task IHostedService.StartAsync(CancellationToken cancellationToken) => Task.CompletedTask; // opened before the host starts

    /// <summary>Opens the listener when Silo:HttpUrl is set.</summary>
    public async Task OpenAsync(CancellationToken cancellationToken)
    {
        if (settings.Value.HttpUrl is not { Length: > 0 } url)
        {
            return;
        }

        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => HttpListeners.Listen(kestrel, url, HttpProtocols.Http1, "Silo:HttpUrl"));
        builder.Services.AddRouting(); // and no logging: its failures show as failing probes, its start failure as a startup error
        _app = builder.Build();
        var health = services.GetRequiredService<HealthCheckService>();
        _app.MapGet("/healthz", () => Results.Text("Healthy"));
        _app.MapGet("/readyz", async (HttpContext http) =>
        {
            var report = await health.CheckHealthAsync(check => check.Tags.Contains(EngineHealthChecks.ReadyTag), http.RequestAborted);
            http.Response.StatusCode = report.Status == HealthStatus.Healthy ? StatusCodes.Status200OK : StatusCodes.Status503ServiceUnavailable;
            await EngineHealthChecks.WriteReportAsync(http, report);
        });
        _app.MapPrometheusScrapingEndpoint("/metrics", services.GetRequiredService<MeterProvider>(), configureBranchedPipeline: null, optionsName: null);
        if (settings.Value.Dashboard)
        {
            SiloDashboard.Map(_app, services);
        }

        try
        {
            await _app.StartAsync(cancellationToken);
        }
        catch (IOException e)
        {
            throw new EngineStartupException($"Silo:HttpUrl cannot listen on {url}: {e.Message}", e);
        }

        LogListening(logger, url);
        if (settings.Value.Dashboard)
        {
            LogDashboard(logger, url, SiloDashboard.Path);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
        }
    }

    /// <summary>Ready once this silo is an active member of the cluster (it has joined and not begun leaving).</summary>
    private sealed class MembershipHealthCheck(IServiceProvider services) : IHealthCheck
    {
        public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            var self = services.GetRequiredService<ILocalSiloDetails>();
            var membership = services.GetRequiredService<IClusterMembershipService>().CurrentSnapshot;
            var status = membership.GetSiloStatus(self.SiloAddress);
            var active = membership.Members.Values.Count(m => m.Status == SiloStatus.Active);
            return Task.FromResult(status == SiloStatus.Active
                ? HealthCheckResult.Healthy($"active member, {active} active silo(s)")
                : HealthCheckResult.Unhealthy($"not an active member of cluster {self.ClusterId} (status {status})"));
        }
    }

    [LoggerMessage(EventId = 2010, EventName = "SiloProbesListening", Level = LogLevel.Information,
        Message = "Silo probes and metrics listen on {Url} (/healthz, /readyz, /metrics)")]
    private static partial void LogListening(ILogger logger, string url);

    [LoggerMessage(EventId = 2011, EventName = "SiloDashboardServed", Level = LogLevel.Information,
        Message = "Orleans Dashboard at {Url}{Path}/, for Engine:AdminApiKey only")]
    private static partial void LogDashboard(ILogger logger, string url, string path);
}
