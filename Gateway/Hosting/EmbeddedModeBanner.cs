using System.Security.Cryptography;
using Engine.Grains.Encryption;
using Engine.Grains.Options;
using Engine.Simulator;
using Microsoft.Extensions.Options;

namespace Engine.Gateway.Hosting;

/// <summary>
/// What a person who just ran <c>dotnet run --project Gateway</c> needs to know, said once when the
/// gateway listens: nothing is durable, messages go to the simulator, and which key and commands get
/// them to a first message. Embedded mode only.
/// </summary>
internal sealed partial class EmbeddedModeBanner(
    IHostApplicationLifetime lifetime,
    IOptions<EngineSettings> engine,
    IOptions<GatewaySettings> gateway,
    IServiceProvider services,
    ILogger<EmbeddedModeBanner> logger) : IHostedService
{
    /// <summary>An admin key made up at start because none was configured.</summary>
    internal sealed record GeneratedAdminKey(string Key);

    /// <summary>
    /// Registers the banner and, when Engine:AdminApiKey is empty, makes up a random admin key for this
    /// run so the API can be used at all (an empty key lets nobody in).
    /// </summary>
    public static void Add(WebApplicationBuilder builder)
    {
        var settings = builder.Configuration.GetSection(EngineSettings.SectionName).Get<EngineSettings>() ?? new();
        if (string.IsNullOrEmpty(settings.AdminApiKey))
        {
            var key = "admin-" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(24)).Replace('+', '-').Replace('/', '_');
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [$"{EngineSettings.SectionName}:{nameof(EngineSettings.AdminApiKey)}"] = key });
            builder.Services.AddSingleton(new GeneratedAdminKey(key));
        }

        builder.Services.AddHostedService<EmbeddedModeBanner>();
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        // After Kestrel listens, so the commands work by the time they are read.
        lifetime.ApplicationStarted.Register(Show);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Show()
    {
        var keys = services.GetRequiredService<KeyEncryptionKeys>();
        LogEmbedded(logger, keys.IsThrowaway
            ? "a THROWAWAY key-encryption key made up for this run"
            : $"key-encryption key '{keys.ActiveKeyId}' of {EncryptionSettings.SectionName}");
        if (services.GetService<ProviderSimulator>() is not null)
        {
            LogSimulator(logger);
        }

        var url = (engine.Value.PublicBaseUrl ?? gateway.Value.HttpUrl).TrimEnd('/');
        var grpcUrl = gateway.Value.GrpcUrl.TrimEnd('/');
        var key = services.GetService<GeneratedAdminKey>() is { } generated
            ? $"A random admin key was generated for this run (set a fixed one with Engine__AdminApiKey=...):{Environment.NewLine}" +
              $"    export ENGINE_URL={url} ENGINE_GRPC_URL={grpcUrl} ENGINE_KEY={generated.Key}"
            : $"The admin key is Engine:AdminApiKey as configured:{Environment.NewLine}    export ENGINE_URL={url} ENGINE_GRPC_URL={grpcUrl} ENGINE_KEY=<your Engine__AdminApiKey>";
        LogNextSteps(logger, key, NextCommands);
    }

    // The README's Quickstart goes on from here (a reply, STOP and its confirmation).
    private static readonly string NextCommands = string.Join(Environment.NewLine,
        """    curl -sS -X POST "$ENGINE_URL/v1/tenants" -H "authorization: Bearer $ENGINE_KEY" -H 'content-type: application/json' -d '{"tenantId":"demo","settings":{"displayName":"Demo","sms":{"accountSid":"AC00000000000000000000000000000000","authToken":"demo-token","fromNumber":"+14155550100"},"quietHours":{"enabled":false}}}'""",
        """    curl -sS -X POST "$ENGINE_URL/v1/tenants/demo/leads" -H "authorization: Bearer $ENGINE_KEY" -H 'content-type: application/json' -d '{"phone":"+14155550123","name":"Pat"}'""",
        """    curl -sS -X POST "$ENGINE_URL/v1/tenants/demo/leads/+14155550123/consent" -H "authorization: Bearer $ENGINE_KEY" -H 'content-type: application/json' -d '{"channel":"CHANNEL_SMS","status":"CONSENT_STATUS_OPTED_IN","source":"CONSENT_SOURCE_FORM","evidence":"quickstart"}'""",
        """    curl -sS -X POST "$ENGINE_URL/v1/tenants/demo/messages" -H "authorization: Bearer $ENGINE_KEY" -H 'content-type: application/json' -d '{"phone":"+14155550123","channel":"CHANNEL_SMS","body":"Hi from the engine"}'""",
        "    curl -sS \"$ENGINE_URL/simulator/messages\"");

    [LoggerMessage(EventId = 3010, EventName = "EmbeddedMode", Level = LogLevel.Warning, Message =
        "EMBEDDED MODE: ConnectionStrings:Postgres is not set, so this process runs a single localhost silo with " +
        "IN-MEMORY grain state, reminders and message log. NOTHING IS DURABLE: every tenant, lead, consent record " +
        "and message is lost when it stops; secrets and message bodies in it are encrypted with {EncryptionKey}. " +
        "Set ConnectionStrings__Postgres (and Engine__Encryption__Keys__<id>, Engine__Encryption__ActiveKeyId) for a real deployment.")]
    private static partial void LogEmbedded(ILogger logger, string encryptionKey);

    [LoggerMessage(EventId = 3011, EventName = "ProviderSimulator", Level = LogLevel.Warning, Message =
        "PROVIDER SIMULATOR: outbound SMS and WhatsApp go to the built-in simulator at /simulator, not to Twilio or Meta " +
        "(sent messages: GET /simulator/messages; a person writing in: POST /simulator/inbound). " +
        "Set Providers__Twilio__BaseUrl and Providers__WhatsApp__BaseUrl to reach the real providers.")]
    private static partial void LogSimulator(ILogger logger);

    [LoggerMessage(EventId = 3012, EventName = "QuickstartNextSteps", Level = LogLevel.Warning, Message =
        "\n======================================== QUICKSTART ========================================\n" +
        "{AdminKey}\n" +
        "Then create a tenant (quiet hours off, so a first send is not held until morning), a lead, and a message:\n" +
        "{Commands}\n" +
        "More in README.md, section Quickstart.\n" +
        "============================================================================================")]
    private static partial void LogNextSteps(ILogger logger, string adminKey, string commands);
}
