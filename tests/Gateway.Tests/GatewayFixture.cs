using Engine.Gateway.Grpc.V1;
using Engine.Gateway.Hosting;
using Engine.Grains.Hosting;
using Engine.TestSupport;
using Grpc.Core;
using Grpc.Net.Client;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans;

namespace Engine.Gateway.Tests;

/// <summary>
/// A Silo process on a fresh PostgreSQL database, a private Redis, and the gateway hosted in this
/// process on loopback ports (so tests can also observe its metrics). Clients talk real HTTP and gRPC.
/// The silo answers probes and scrapes on <see cref="SiloHttp"/>.
/// </summary>
public class GatewayFixture : IAsyncLifetime
{
    public const string AdminKey = "gateway-tests-admin-key";
    public const int ApiKeyCallsPerSecond = 50;

    private EngineProcess? _silo;
    private Dictionary<string, string> _siloEnvironment = [];

    public NpgsqlDataSource Database { get; private set; } = null!;
    public RedisServer Redis { get; } = new();
    public SimulatorHost Simulator { get; private set; } = null!;
    public WebApplication Gateway { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public HttpClient SiloHttp { get; private set; } = null!;
    public GrpcChannel Grpc { get; private set; } = null!;
    public string PublicBaseUrl { get; private set; } = "";
    public IClusterClient Cluster => Gateway.Services.GetRequiredService<IClusterClient>();
    public Metadata AdminAuth { get; } = new() { { "authorization", $"Bearer {AdminKey}" } };
    public LogRecorder GatewayLogs { get; } = new();

    public async ValueTask InitializeAsync()
    {
        var connectionString = await TestServices.CreateDatabaseAsync("gateway");
        Simulator = await SimulatorHost.StartAsync();
        var (httpPort, grpcPort, siloHttpPort) = (FreePorts.Next(), FreePorts.Next(), FreePorts.Next());
        PublicBaseUrl = $"http://127.0.0.1:{httpPort}";
        Database = NpgsqlDataSource.Create(connectionString);
        await Redis.StartAsync();
        var clusterId = $"g{Guid.NewGuid():N}"[..12];
        _siloEnvironment = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = connectionString,
            ["ConnectionStrings__Redis"] = Redis.Configuration,
            ["Orleans__ClusterId"] = clusterId,
            ["Orleans__SiloPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Engine__PublicBaseUrl"] = PublicBaseUrl,
            ["Providers__Twilio__BaseUrl"] = Simulator.BaseUrl,
            ["Providers__WhatsApp__BaseUrl"] = Simulator.BaseUrl,
            ["Providers__AttemptTimeout"] = "00:00:01",
            ["Providers__RetryBaseDelay"] = "00:00:00.050",
            ["Engine__PartnerWebhookRetryWindow"] = "00:00:04",
            ["Silo__HttpUrl"] = $"http://127.0.0.1:{siloHttpPort}",
        };
        SiloHttp = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{siloHttpPort}") };
        await StartSiloAsync();

        Gateway = GatewayApp.Build([], builder =>
        {
            builder.Logging.AddProvider(GatewayLogs);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:Postgres"] = connectionString,
                ["ConnectionStrings:Redis"] = Redis.Configuration,
                ["Orleans:ClusterId"] = clusterId,
                ["Engine:AdminApiKey"] = AdminKey,
                ["Engine:ApiKeyCallsPerSecond"] = ApiKeyCallsPerSecond.ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Engine:PublicBaseUrl"] = PublicBaseUrl,
                ["Gateway:HttpUrl"] = PublicBaseUrl,
                ["Gateway:GrpcUrl"] = $"http://127.0.0.1:{grpcPort}",
                ["Logging:LogLevel:Default"] = "Warning",
            });
            ConfigureGateway(builder);
        });
        await Gateway.PrepareStorageAsync();
        await Gateway.StartAsync();
        Http = new HttpClient { BaseAddress = new Uri(PublicBaseUrl) };
        Grpc = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
    }

    /// <summary>The silo's settings, as environment variables ("Orleans__ClusterId").</summary>
    protected IReadOnlyDictionary<string, string> SiloEnvironment => _siloEnvironment;

    /// <summary>Called on the gateway's builder after the fixture's own configuration.</summary>
    protected virtual void ConfigureGateway(WebApplicationBuilder builder)
    {
    }

    /// <summary>Kills the silo the way a crash would.</summary>
    public void KillSilo() => _silo?.KillHard();

    /// <summary>Starts the silo process (again) and waits until it is Active in the membership table.</summary>
    public virtual async Task StartSiloAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }

        _silo = EngineProcess.Start("Silo", _siloEnvironment);
        await Eventually.GetAsync(async () =>
        {
            await using var command = Database.CreateCommand("SELECT count(*) FROM OrleansMembershipTable WHERE Status = 3");
            return (long)(await command.ExecuteScalarAsync())!;
        }, count => count == 1, TimeSpan.FromSeconds(120), "the silo to become Active");
        if (Gateway is not null)
        {
            // The gateway's client finds the new silo through membership within seconds; wait for it,
            // so the next test does not start during the reconnection.
            await Eventually.GetAsync(async () => (await Cluster.GetGrain<Engine.Grains.Abstractions.Tenants.ITenantGrain>("probe").GetAsync()).TenantId,
                id => id == "probe", TimeSpan.FromSeconds(60), "the gateway to reach the restarted silo");
        }
    }

    /// <summary>Creates a tenant with a Twilio and a WhatsApp channel through the gRPC API.</summary>
    public async Task<TestTenant> CreateTenantAsync(RateLimits? limits = null, ConsentRules? consent = null)
    {
        var tenant = new TestTenant($"gw-{Guid.NewGuid():N}"[..16], $"auth-{Guid.NewGuid():N}", $"secret-{Guid.NewGuid():N}", "verify-me", "1098765432");
        await new TenantService.TenantServiceClient(Grpc).CreateTenantAsync(new CreateTenantRequest
        {
            TenantId = tenant.Id,
            Settings = new TenantSettings
            {
                DisplayName = "Gateway Test Motors",
                Sms = new SmsChannel { AccountSid = "AC" + new string('7', 32), AuthToken = tenant.TwilioAuthToken, FromNumber = "+14155550100" },
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
        SiloHttp?.Dispose();
        Grpc?.Dispose();
        if (Gateway is not null)
        {
            await Gateway.StopAsync();
            await Gateway.DisposeAsync();
        }

        await StopSiloAsync();
        await Redis.DisposeAsync();
        await Simulator.DisposeAsync();
        await Database.DisposeAsync();
        GC.SuppressFinalize(this);
    }

    /// <summary>Ends the silo for good.</summary>
    protected virtual async Task StopSiloAsync()
    {
        if (_silo is not null)
        {
            await _silo.DisposeAsync();
        }
    }
}

public sealed record TestTenant(string Id, string TwilioAuthToken, string MetaAppSecret, string VerifyToken, string PhoneNumberId);

/// <summary>The provider simulator on its own loopback port, as Twilio and Meta are on their own hosts.</summary>
public sealed class SimulatorHost : IAsyncDisposable
{
    private WebApplication _app = null!;

    public string BaseUrl { get; private set; } = "";
    public Engine.Gateway.Simulator.ProviderSimulator Simulator => _app.Services.GetRequiredService<Engine.Gateway.Simulator.ProviderSimulator>();

    public static async Task<SimulatorHost> StartAsync()
    {
        var (builder, baseUrl) = LoopbackServer.CreateBuilder();
        Engine.Gateway.Simulator.ProviderSimulator.AddSimulatorCallbacks(builder.Services);
        builder.Services.AddSingleton<Engine.Gateway.Simulator.ProviderSimulator>();
        var host = new SimulatorHost { _app = builder.Build(), BaseUrl = baseUrl };
        Engine.Gateway.Simulator.ProviderSimulator.Map(host._app);
        await host._app.StartAsync();
        return host;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}

[CollectionDefinition(Name)]
public sealed class GatewayCollection : ICollectionFixture<GatewayFixture>
{
    public const string Name = "gateway";
}
