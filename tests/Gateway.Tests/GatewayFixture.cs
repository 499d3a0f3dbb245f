using Engine.Gateway.Grpc.V1;
using Engine.Gateway.Hosting;
using Engine.Grains.Hosting;
using Engine.TestSupport;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Engine.Gateway.Tests;

/// <summary>
/// Silo processes (one unless <see cref="SiloCount"/> says otherwise) on a fresh PostgreSQL database, a
/// private Redis, and the gateway hosted in this process on loopback ports (so tests can also observe
/// its metrics). Clients talk real HTTP and gRPC. The first silo answers probes and scrapes on
/// <see cref="SiloHttp"/>.
/// </summary>
public class GatewayFixture : IAsyncLifetime
{
    public const string AdminKey = "gateway-tests-admin-key";
    public const int ApiKeyCallsPerSecond = 50;

    /// <summary>The silos' Engine:SuppressionKey (32 bytes), the HMAC key of erased persons' suppression records.</summary>
    public static readonly string SuppressionKey = Convert.ToBase64String(System.Security.Cryptography.RandomNumberGenerator.GetBytes(32));

    private EngineProcess?[] _silos = [];
    private string[] _siloNames = [];
    private Dictionary<string, string>[] _siloEnvironments = [];

    /// <summary>How many Silo processes form the cluster.</summary>
    public int SiloCount { get; init; } = 1;

    /// <summary>Calls per second each API key (the admin key too) may make.</summary>
    public int KeyCallsPerSecond { get; init; } = ApiKeyCallsPerSecond;

    /// <summary>
    /// Whether partner webhooks may reach loopback (the tests' partner servers listen there); the
    /// engine's default, off, is tested by a fixture of its own.
    /// </summary>
    public bool AllowPrivateWebhookTargets { get; init; } = true;

    /// <summary>How many made-up tenant ids the gateway's tenant cache remembers (small, so tests can overflow it).</summary>
    public const int UnknownTenantCacheSize = 50;

    /// <summary>Each silo's silo-to-silo port, by index.</summary>
    public IReadOnlyList<int> SiloPorts { get; private set; } = [];

    public NpgsqlDataSource Database { get; private set; } = null!;
    public RedisServer Redis { get; } = new();
    public SimulatorHost Simulator { get; private set; } = null!;
    public WebApplication Gateway { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public GrpcChannel Grpc { get; private set; } = null!;
    public string PublicBaseUrl { get; private set; } = "";
    public IClusterClient Cluster => Gateway.Services.GetRequiredService<IClusterClient>();
    public Metadata AdminAuth { get; } = new() { { "authorization", $"Bearer {AdminKey}" } };
    public LogRecorder GatewayLogs { get; } = new();
    public HttpClient SiloHttp { get; private set; } = null!;

    public async ValueTask InitializeAsync()
    {
        var connectionString = await TestServices.CreateDatabaseAsync("gateway");
        Simulator = await SimulatorHost.StartAsync();
        var (httpPort, grpcPort) = (FreePorts.Next(), FreePorts.Next());
        PublicBaseUrl = $"http://127.0.0.1:{httpPort}";
        Database = NpgsqlDataSource.Create(connectionString);
        await Redis.StartAsync();
        var clusterId = $"g{Guid.NewGuid():N}"[..12];
        SiloPorts = Enumerable.Range(0, SiloCount).Select(_ => FreePorts.Next()).ToArray();
        var probePorts = SiloPorts.Select(_ => FreePorts.Next()).ToArray();
        _siloEnvironments = SiloPorts.Select((siloPort, index) => new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = connectionString,
            ["ConnectionStrings__Redis"] = Redis.Configuration,
            ["Orleans__ClusterId"] = clusterId,
            ["Orleans__SiloPort"] = siloPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Engine__PublicBaseUrl"] = PublicBaseUrl,
            ["Providers__Twilio__BaseUrl"] = Simulator.BaseUrl,
            ["Providers__WhatsApp__BaseUrl"] = Simulator.BaseUrl,
            ["Providers__AttemptTimeout"] = "00:00:01",
            ["Providers__RetryBaseDelay"] = "00:00:00.050",
            ["Engine__PartnerWebhookRetryWindow"] = "00:00:04",
            ["Engine__OutboxSweepInterval"] = "00:00:01",
            ["Engine__AllowPrivateWebhookTargets"] = AllowPrivateWebhookTargets ? "true" : "false",
            ["Engine__SuppressionKey"] = SuppressionKey,
            ["Silo__HttpUrl"] = $"http://127.0.0.1:{probePorts[index]}",
        }.Concat(TestEncryption.Environment).ToDictionary()).ToArray();
        SiloHttp = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{probePorts[0]}") };
        await StartClusterAsync();

        Gateway = GatewayApp.Build([], builder =>
        {
            builder.Logging.AddProvider(GatewayLogs);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Postgres"] = connectionString,
                ["ConnectionStrings:Redis"] = Redis.Configuration,
                ["Orleans:ClusterId"] = clusterId,
                ["Engine:AdminApiKey"] = AdminKey,
                ["Engine:ApiKeyCallsPerSecond"] = KeyCallsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Engine:PublicBaseUrl"] = PublicBaseUrl,
                ["Engine:AllowPrivateWebhookTargets"] = AllowPrivateWebhookTargets ? "true" : "false",
                ["Engine:UnknownTenantCacheSize"] = UnknownTenantCacheSize.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Gateway:HttpUrl"] = PublicBaseUrl,
                ["Gateway:GrpcUrl"] = $"http://127.0.0.1:{grpcPort}",
                ["Logging:LogLevel:Default"] = "Warning",
            }.Concat(TestEncryption.Settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))));
            ConfigureGateway(builder);
        });
        await Gateway.PrepareStorageAsync();
        await Gateway.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri(PublicBaseUrl) };
        // Several HTTP/2 connections, so busy tests are not capped by one connection's 100 concurrent streams.
        Grpc = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true },
        });
    }

    /// <summary>The first silo's settings, as environment variables ("Orleans__ClusterId").</summary>
    protected IReadOnlyDictionary<string, string> SiloEnvironment => _siloEnvironments[0];

    /// <summary>Called on the gateway's builder after the fixture's own configuration.</summary>
    protected virtual void ConfigureGateway(WebApplicationBuilder builder)
    {
    }

    /// <summary>Starts every silo as a process and waits until all are Active.</summary>
    protected virtual async Task StartClusterAsync()
    {
        _siloNames = new string[SiloCount];
        _silos = Enumerable.Range(0, SiloCount).Select(index => (EngineProcess?)StartSilo(index)).ToArray();
        await WaitForSilosAsync();
    }

    /// <summary>Ends every silo for good.</summary>
    protected virtual async Task StopClusterAsync()
    {
        foreach (var silo in _silos)
        {
            if (silo is not null)
            {
                await silo.DisposeAsync();
            }
        }
    }

    /// <summary>Kills a silo the way a crash would.</summary>
    public void KillSilo(int index = 0) => _silos[index]?.KillHard();

    /// <summary>
    /// Starts a silo again on its own ports (its new generation declares the old one dead) and waits
    /// until every silo is Active in the membership table and the gateway reaches the cluster.
    /// </summary>
    public async Task StartSiloAsync(int index = 0)
    {
        if (_silos[index] is { } old)
        {
            await old.DisposeAsync();
        }

        _silos[index] = StartSilo(index);
        await WaitForSilosAsync();
    }

    // A name per process, so that the membership table tells a restarted silo from the one it replaces.
    private EngineProcess StartSilo(int index)
    {
        _siloNames[index] = $"silo{index}-{Guid.NewGuid():N}";
        return EngineProcess.Start("Silo", new Dictionary<string, string>(_siloEnvironments[index]) { ["Orleans__SiloName"] = _siloNames[index] });
    }

    private async Task WaitForSilosAsync()
    {
        try
        {
            await Eventually.GetAsync(
                async () => (await Database.TextRowsAsync("SELECT SiloName FROM OrleansMembershipTable WHERE Status = 3")).Select(row => row[0]!).Order().ToArray(),
                active => active.SequenceEqual(_siloNames.Order()) || _silos.Any(silo => silo is { HasExited: true }),
                TimeSpan.FromSeconds(120), "every silo process, and no other, Active in the membership table");
        }
        catch (TimeoutException timeout)
        {
            throw new TimeoutException($"{timeout.Message}{Environment.NewLine}{SiloOutputs()}", timeout.InnerException);
        }

        if (_silos.Any(silo => silo is { HasExited: true }))
        {
            throw new InvalidOperationException($"a silo process exited while starting{Environment.NewLine}{SiloOutputs()}");
        }
        if (Gateway is not null)
        {
            // The gateway's client finds the new silo through membership within seconds; wait for it,
            // so the next test does not start during the reconnection.
            await Eventually.GetAsync(async () => (await Cluster.GetGrain<Engine.Grains.Abstractions.Tenants.ITenantGrain>("probe").GetAsync()).TenantId,
                id => id == "probe", TimeSpan.FromSeconds(60), "the gateway to reach the restarted silo");
        }
    }

    /// <summary>Each silo's state and last lines of output, for a failure message.</summary>
    public string SiloOutputs() => string.Join(Environment.NewLine, _silos.Select((silo, index) => silo is null ? $"silo {index}: not running"
        : $"silo {index} ({(silo.HasExited ? $"exited with {silo.ExitCode}" : "running")}), last output:{Environment.NewLine}{silo.Output}"));

    /// <summary>Creates a tenant with a Twilio (through a Messaging Service when given one) and a WhatsApp channel through the gRPC API.</summary>
    public async Task<TestTenant> CreateTenantAsync(RateLimits? limits = null, ConsentRules? consent = null, string? messagingServiceSid = null)
    {
        var tenant = new TestTenant($"gw-{Guid.NewGuid():N}"[..16], $"auth-{Guid.NewGuid():N}", $"secret-{Guid.NewGuid():N}", "verify-me", "1098765432");
        await new TenantService.TenantServiceClient(Grpc).CreateTenantAsync(new CreateTenantRequest
        {
            TenantId = tenant.Id,
            Settings = new TenantSettings
            {
                DisplayName = "Gateway Test Motors",
                Sms = new SmsChannel { AccountSid = "AC" + new string('7', 32), AuthToken = tenant.TwilioAuthToken, FromNumber = "+14155550100", MessagingServiceSid = messagingServiceSid ?? "" },
                Whatsapp = new WhatsAppChannel { PhoneNumberId = tenant.PhoneNumberId, AccessToken = "wa-token", AppSecret = tenant.MetaAppSecret, VerifyToken = tenant.VerifyToken },
                RateLimits = limits,
                ConsentRules = consent,
                QuietHours = new QuietHours { Enabled = false, AllowedFrom = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromHours(8)), AllowedUntil = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromHours(21)) },
            },
        }, AdminAuth);
        Simulator.Simulator.MetaCallbacks[tenant.PhoneNumberId] = new($"{PublicBaseUrl}/webhooks/whatsapp/{tenant.Id}", tenant.MetaAppSecret);
        return tenant;
    }

    /// <summary>Issues an API key of <paramref name="tenantId"/> with the given roles; returns its bearer metadata.</summary>
    public async Task<(Metadata Auth, string KeyId)> CreateKeyAsync(string tenantId, params ApiKeyRole[] roles)
    {
        var created = await new TenantService.TenantServiceClient(Grpc).CreateApiKeyAsync(
            new CreateApiKeyRequest { TenantId = tenantId, Name = "tests", Roles = { roles } }, AdminAuth);
        return (new Metadata { { "authorization", $"Bearer {created.Secret}" } }, created.Key.KeyId);
    }

    public async ValueTask DisposeAsync()
    {
        Http?.Dispose();
        Grpc?.Dispose();
        SiloHttp?.Dispose();
        if (Gateway is not null)
        {
            await Gateway.StopAsync();
            await Gateway.DisposeAsync();
        }

        await StopClusterAsync();
        await Redis.DisposeAsync();
        await Simulator.DisposeAsync();
        await Database.DisposeAsync();
        GC.SuppressFinalize(this);
    }
}

public sealed record TestTenant(string Id, string TwilioAuthToken, string MetaAppSecret, string VerifyToken, string PhoneNumberId);

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}
