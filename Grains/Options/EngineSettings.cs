using System.ComponentModel.DataAnnotations;
using System.Security.Cryptography;
using System.Text;
using Engine.Grains.Encryption;
using Microsoft.Extensions.Options;

namespace Engine.Grains.Options;

/// <summary>Engine-wide settings (section "Engine").</summary>
public sealed class EngineSettings
{
    public const string SectionName = "Engine";

    /// <summary>The platform administrator's key, needed to create tenants. A secret.</summary>
    public string? AdminApiKey { get; set; }

    /// <summary>
    /// Whether <paramref name="presented"/> is the admin key (never, when none is set). Compares hashes,
    /// so the comparison time reveals neither the key's content nor its length.
    /// </summary>
    public bool IsAdminKey(string presented) =>
        AdminApiKey is { Length: > 0 } adminKey
        && CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(adminKey)));

    /// <summary>The public https base URL providers call; webhook signatures are checked against it.</summary>
    [Url]
    public string? PublicBaseUrl { get; set; }

    /// <summary>How long a partner webhook retries one event before parking it as a dead letter.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "30.00:00:00")]
    public TimeSpan PartnerWebhookRetryWindow { get; set; } = TimeSpan.FromHours(25);

    /// <summary>
    /// How often each silo wakes the senders of channels with queued messages and the relays of tenants
    /// with unpublished events, for the ones whose one-way wake-up call was lost.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "01:00:00")]
    public TimeSpan OutboxSweepInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>gRPC calls each API key may make per second (per gateway); bursts up to twice that.</summary>
    [Range(1, 1_000_000)]
    public int ApiKeyCallsPerSecond { get; set; } = 200;

    /// <summary>
    /// How many ids of tenants that do not exist each process remembers (for the tenant cache's few
    /// seconds), so a flood naming made-up tenants neither looks each one up again nor grows memory.
    /// </summary>
    [Range(1, 10_000_000)]
    public int UnknownTenantCacheSize { get; set; } = 10_000;

    /// <summary>
    /// Lets partner webhooks reach loopback, private and other internal addresses. Off in production:
    /// a tenant could otherwise point one at the engine's own network. For local development and tests.
    /// </summary>
    public bool AllowPrivateWebhookTargets { get; set; }

    /// <summary>Key-encryption keys of the data at rest (checked at start by <see cref="KeyEncryptionKeys"/>).</summary>
    public EncryptionSettings Encryption { get; set; } = new();

    /// <summary>
    /// Base64 of at least 32 random bytes: the HMAC key of the suppression records that outlive an
    /// erasure. A secret; never change it (old records would no longer match). Without it, on
    /// PostgreSQL, EraseLead is refused; the embedded engine makes one up per run.
    /// </summary>
    public string? SuppressionKey { get; set; } // checked where it is decoded, AddressHasher.FromSettings
}

[OptionsValidator]
internal sealed partial class EngineSettingsValidator : IValidateOptions<EngineSettings>;
