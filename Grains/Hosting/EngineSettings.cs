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

/// <summary>Engine-wide settings (section "Engine").</summary>
public sealed class EngineSettings
{
    public const string SectionName = "Engine";

    /// <summary>The platform administrator's key, needed to create tenants. A secret.</summary>
    public string? AdminApiKey { get; set; }

    /// <summary>The public https base URL providers call; webhook signatures are checked against it.</summary>
    [Url]
    public string? PublicBaseUrl { get; set; }

    /// <summary>How long a partner webhook retries one event before parking it as a dead letter.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan PartnerWebhookRetryWindow { get; set; } = TimeSpan.FromHours(25);

    /// <summary>gRPC calls each API key may make per second (per gateway); bursts up to twice that.</summary>
    [Range(1, 1_000_000)]
    public int ApiKeyCallsPerSecond { get; set; } = 200;
}

/// <summary>Where the engine reaches Twilio and Meta (section "Providers").</summary>
public sealed class ProviderSettings
{
    public const string SectionName = "Providers";

    [Required, ValidateObjectMembers]
    public TwilioEndpoint Twilio { get; set; } = new();

    [Required, ValidateObjectMembers]
    public WhatsAppEndpoint WhatsApp { get; set; } = new();

    /// <summary>How long one attempt may take before its outcome counts as unknown.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:05:00")]
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>Retries of a transient refusal (429, 5xx, throughput codes) before giving it back to the queue.</summary>
    [Range(0, 10)]
    public int MaxRetries { get; set; } = 4;

    /// <summary>First retry delay; later ones grow exponentially, with jitter.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:01:00")]
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromMilliseconds(500);

    public sealed class TwilioEndpoint
    {
        [Required, Url]
        public string BaseUrl { get; set; } = "https://api.twilio.com";
    }

    public sealed class WhatsAppEndpoint
    {
        [Required, Url]
        public string BaseUrl { get; set; } = "https://graph.facebook.com";

        [Required]
        public string ApiVersion { get; set; } = "v21.0";
    }
}

[OptionsValidator]
internal sealed partial class ClusterSettingsValidator : IValidateOptions<ClusterSettings>;

[OptionsValidator]
internal sealed partial class EngineSettingsValidator : IValidateOptions<EngineSettings>;

[OptionsValidator]
internal sealed partial class ProviderSettingsValidator : IValidateOptions<ProviderSettings>;
