using Engine.Grains.Options;
using Engine.Grains.Hosting;
using Engine.Grains.Storage;
using Engine.Grains.Telemetry;
using Engine.Simulator;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Engine.Grains.Storage.RejectedWebhooks;

namespace Engine.Gateway.Hosting;

/// <summary>Wiring of the gateway: its connection to the cluster, its listeners and its probes.</summary>
internal static partial class GatewayHostingExtensions
{
    private static readonly TimeSpan ClusterConnectPatience = TimeSpan.FromSeconds(90);

    /// <summary>Kestrel's own endpoint configuration, read by Kestrel; the gateway only checks for its presence.</summary>
    public const string KestrelEndpointsSection = "Kestrel:Endpoints";

    /// <summary>
    /// Joins the engine: as an Orleans client of the PostgreSQL-membership cluster when
    /// ConnectionStrings:Postgres is set, otherwise by co-hosting the embedded silo in this process.
    /// </summary>
    public static WebApplicationBuilder AddEngineCluster(this WebApplicationBuilder builder)
    {
        var connections = builder.Configuration.GetConnectionStrings();
        if (connections.IsEmbedded)
        {
            builder.UseBuiltInProviderSimulator();
            EmbeddedModeBanner.Add(builder);
            builder.AddEngineSilo(allowEmbedded: true);
            builder.Services.AddSingleton<IRejectedWebhookLog, InMemoryRejectedWebhookLog>(); // only the gateway reads or writes it
        }
        else
        {
            builder.AddEngineSettings();
            builder.AddPostgres(connections.Postgres!, applySchema: false);
            builder.Services.AddEnginePostgresStores(); // conversation history is read straight from the log
            builder.Services.AddSingleton<IRejectedWebhookLog, PostgresRejectedWebhookLog>(); // only the gateway reads or writes it
            var cluster = builder.Configuration.GetClusterSettings();
            var connectStarted = DateTimeOffset.UtcNow;
            builder.UseOrleansClient(client => client
                .Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, cluster.ServiceId))
                .UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = ("Npgsql", connections.Postgres))
                .AddEngineTracing()
                // Notice restarted or added silos within seconds rather than the default minute.
                .Configure<GatewayOptions>(o => o.GatewayListRefreshPeriod = TimeSpan.FromSeconds(5))
                // Silos may still be starting; keep trying for a while before giving up.
                .UseConnectionRetryFilter(async (_, cancellationToken) =>
                {
                    if (DateTimeOffset.UtcNow - connectStarted > ClusterConnectPatience)
                    {
                        return false;
                    }

                    await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                    return true;
                }));
        }

        builder.AddRedis();
        return builder;
    }

    /// <summary>
    /// The embedded engine talks to the built-in provider simulator (mapped under /simulator on the
    /// HTTP listener) unless Providers:Twilio:BaseUrl or Providers:WhatsApp:BaseUrl say otherwise.
    /// </summary>
    private static void UseBuiltInProviderSimulator(this WebApplicationBuilder builder)
    {
        var httpUrl = (builder.Configuration.GetSection(GatewaySettings.SectionName).Get<GatewaySettings>() ?? new()).HttpUrl.TrimEnd('/');
        var defaults = new Dictionary<string, string?>();
        foreach (var key in new[] { "Providers:Twilio:BaseUrl", "Providers:WhatsApp:BaseUrl" })
        {
            if (string.IsNullOrEmpty(builder.Configuration[key]))
            {
                defaults[key] = $"{httpUrl}/simulator";
            }
        }

        if (defaults.Count == 0)
        {
            return;
        }

        builder.Configuration.AddInMemoryCollection(defaults);
        builder.Services.AddProviderSimulator();
    }

    /// <summary>
    /// Listens for webhooks on HTTP/1.1 and for gRPC on HTTP/2 cleartext (Gateway:HttpUrl, Gateway:GrpcUrl),
    /// unless Kestrel's standard Kestrel:Endpoints section names the endpoints instead: that is how the
    /// gateway terminates TLS itself (https with a certificate file; an https endpoint without a
    /// Protocols entry offers HTTP/1.1 and HTTP/2 through ALPN, so one port can carry both).
    /// </summary>
    public static WebApplicationBuilder AddGatewayEndpoints(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<GatewaySettings>().BindConfiguration(GatewaySettings.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<GatewaySettings>, GatewaySettingsValidator>();
        if (builder.Configuration.GetSection(KestrelEndpointsSection).GetChildren().Any())
        {
            return builder; // Kestrel binds that section itself
        }

        var settings = builder.Configuration.GetSection(GatewaySettings.SectionName).Get<GatewaySettings>() ?? new();
        builder.WebHost.ConfigureKestrel(kestrel =>
        {
            HttpListeners.Listen(kestrel, settings.HttpUrl, HttpProtocols.Http1, $"{GatewaySettings.SectionName}:{nameof(GatewaySettings.HttpUrl)}");
            HttpListeners.Listen(kestrel, settings.GrpcUrl, HttpProtocols.Http2, $"{GatewaySettings.SectionName}:{nameof(GatewaySettings.GrpcUrl)}");
        });
        return builder;
    }
}
