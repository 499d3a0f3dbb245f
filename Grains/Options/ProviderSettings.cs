using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;

namespace Engine.Grains.Options;

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

    /// <summary>Retries of a refusal for now (429, throughput codes), and of a failed lookup, before giving it back to the queue.</summary>
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
internal sealed partial class ProviderSettingsValidator : IValidateOptions<ProviderSettings>;
