using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Engine.Grains.Hosting;

/// <summary>Connection strings. With no Postgres the engine runs embedded and keeps nothing.</summary>
public sealed class ConnectionStringSettings
{
    public const string SectionName = "ConnectionStrings";

    /// <summary>Npgsql connection string of the cluster's database.</summary>
    public string? Postgres { get; set; }

    /// <summary>StackExchange.Redis configuration string ("host:port,...").</summary>
    public string? Redis { get; set; }

    /// <summary>True when no durable storage is configured.</summary>
    public bool IsEmbedded => string.IsNullOrWhiteSpace(Postgres);
}

/// <summary>Identity and endpoints of the Orleans cluster (section "Orleans").</summary>
public sealed class ClusterSettings
{
    public const string SectionName = "Orleans";

    /// <summary>This deployment of the cluster; may change on blue/green deploys.</summary>
    [Required]
    public string ClusterId { get; set; } = "engine";

    /// <summary>The service's stable identity; part of every stored grain-state and reminder key.</summary>
    [Required]
    public string ServiceId { get; set; } = "engine";

    /// <summary>Silo-to-silo port.</summary>
    [Range(1, 65535)]
    public int SiloPort { get; set; } = 11111;

    /// <summary>Client-to-silo (gateway) port.</summary>
    [Range(1, 65535)]
    public int GatewayPort { get; set; } = 30000;

    /// <summary>The address other silos and clients reach this silo at.</summary>
    [Required]
    public string AdvertisedIPAddress { get; set; } = "127.0.0.1";

    /// <summary>Name shown in the membership table; defaults to host name and process id.</summary>
    public string? SiloName { get; set; }
}

[OptionsValidator]
internal sealed partial class ClusterSettingsValidator : IValidateOptions<ClusterSettings>;

/// <summary>The silo process's own settings (section "Silo"): its HTTP listener, and how it is hosted.</summary>
public sealed class SiloSettings
{
    public const string SectionName = "Silo";

    /// <summary>
    /// The silo runs in a Kubernetes pod: it takes the pod's name and address from POD_NAME and POD_IP, and
    /// Orleans' Kubernetes hosting watches the cluster's pods (see <see cref="KubernetesPod"/>).
    /// </summary>
    public bool Kubernetes { get; set; }

    /// <summary>
    /// Serves the Orleans Dashboard at /dashboard on <see cref="HttpUrl"/>, to Engine:AdminApiKey only
    /// (see <see cref="SiloDashboard"/>). Set it on every silo: the dashboard gathers from all of them.
    /// </summary>
    public bool Dashboard { get; set; }

    /// <summary>
    /// http:// URL of the listener for /healthz, /readyz, /metrics and /dashboard ("http://0.0.0.0:8080");
    /// unset, the silo opens no HTTP port (several silos on one machine would otherwise collide on a default).
    /// </summary>
    [Url]
    public string? HttpUrl { get; set; }
}

[OptionsValidator]
internal sealed partial class SiloSettingsValidator : IValidateOptions<SiloSettings>;
