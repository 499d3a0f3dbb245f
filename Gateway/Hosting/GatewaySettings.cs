using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Engine.Gateway.Hosting;

/// <summary>Where the gateway listens (section "Gateway").</summary>
public sealed class GatewaySettings
{
    public const string SectionName = "Gateway";

    /// <summary>HTTP/1.1 endpoint for webhooks and health probes.</summary>
    [Required, Url]
    public string HttpUrl { get; set; } = "http://127.0.0.1:5080";

    /// <summary>HTTP/2 cleartext (h2c) endpoint for gRPC.</summary>
    [Required, Url]
    public string GrpcUrl { get; set; } = "http://127.0.0.1:5081";
}

[OptionsValidator]
internal sealed partial class GatewaySettingsValidator : IValidateOptions<GatewaySettings>;
