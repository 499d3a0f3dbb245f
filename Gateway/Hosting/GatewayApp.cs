using Engine.Gateway.Grpc;
using Engine.Gateway.Grpc.OpenApi;
using Engine.Gateway.Webhooks;
using Engine.Grains.Hosting;
using Engine.Simulator;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

namespace Engine.Gateway.Hosting;

/// <summary>Builds the gateway application; Program runs it, tests host it on loopback ports.</summary>
public static class GatewayApp
{
    /// <summary>
    /// SIGTERM stops accepting, lets requests in flight finish (event streams end at once, asking their
    /// clients to resume elsewhere), then exits. Under the 30 s the Kubernetes manifest allows.
    /// </summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(25);

    /// <param name="args">Command-line arguments.</param>
    /// <param name="configure">Extra configuration applied before anything reads it (tests use it).</param>
    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.AddEngineTelemetry("engine-gateway");
        builder.AddEngineCluster();
        builder.AddGatewayEndpoints();
        // Every call is also HTTP/JSON on the HTTP/1.1 listener (routes in the protos' google.api.http options).
        // An error's google.rpc details are written into its JSON body, which needs their types registered.
        // Outermost first: checking a key can itself find the cluster unavailable.
        builder.Services.AddGrpc(grpc =>
            {
                grpc.Interceptors.Add<ClusterUnavailableInterceptor>();
                grpc.Interceptors.Add<AccessInterceptor>();
            })
            .AddJsonTranscoding(json => json.TypeRegistry = RpcErrors.DetailTypes);
        builder.Services.AddGrpcReflection();
        builder.Services.AddGatewayHealthChecks();
        builder.Services.AddSingleton<CallerAuthentication>().AddSingleton<ApiKeyUsage>().AddSingleton<AuditTrail>();
        builder.Services.AddSingleton<LeadExport>();
        builder.Services.AddWebhooks().AddIdempotentRetry();

        var app = builder.Build();
        app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = EngineHealthChecks.WriteReportAsync });
        app.MapHealthChecks("/readyz", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains(EngineHealthChecks.ReadyTag),
            ResponseWriter = EngineHealthChecks.WriteReportAsync,
        });
        app.MapPrometheusScrapingEndpoint("/metrics");
        app.MapGrpcHealthChecksService();
        app.MapGrpcReflectionService();
        app.MapGrpcService<TenantGrpcService>();
        app.MapGrpcService<LeadGrpcService>();
        app.MapGrpcService<ConversationGrpcService>();
        app.MapGrpcService<AutomationGrpcService>();
        app.MapGrpcService<EventGrpcService>();
        app.MapGrpcService<PartnerWebhookGrpcService>();
        app.MapGrpcService<WebhookGrpcService>();
        app.MapWebhookEndpoints();
        app.MapGet(ProtoOpenApiDocument.Route, () => Results.Text(ProtoOpenApiDocument.Json, "application/json"));
        if (app.Services.GetService<ProviderSimulator>() is not null)
        {
            app.MapProviderSimulator("/simulator");
            app.MapSimulatedInbound("/simulator/inbound");
        }

        return app;
    }

    private static IServiceCollection AddWebhooks(this IServiceCollection services) => services
        .AddSingleton<WebhookMetrics>()
        .AddSingleton(sp => new WebhookDeduplicator(
            sp.GetRequiredService<ILogger<WebhookDeduplicator>>(), sp.GetRequiredService<TimeProvider>(), sp.GetService<StackExchange.Redis.IConnectionMultiplexer>()))
        .AddSingleton<WebhookContext>();

    // Repeats of idempotent work, told by the cluster client when a silo connection is lost.
    internal static IServiceCollection AddIdempotentRetry(this IServiceCollection services) => services
        .AddSingleton<SiloLossSignal>()
        .AddSingleton<IClusterConnectionStatusObserver>(sp => sp.GetRequiredService<SiloLossSignal>())
        .AddSingleton<IdempotentRetry>();
}
