using System.Globalization;
using Engine.Gateway.Grpc.V1;
using Engine.Simulator;
using Engine.TestSupport;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Engine.Faults.Tests;

/// <summary>
/// The deployment shape, every part its own process: two silos and a gateway on a private PostgreSQL
/// and Redis (so restarting them disturbs no other suite), and the provider simulator in this process.
/// One tenant with opted-in leads; each case leaves the cluster whole for the next.
/// </summary>
public sealed class FaultCluster : IAsyncLifetime
{
    public const string AdminKey = "faults-admin-key";
    public const string TenantId = "faults";
    public const string AuthToken = "faults-auth-token";
    public const int LeadCount = 40;

    private readonly EngineProcess?[] _silos = new EngineProcess?[2];
    private readonly string[] _siloNames = new string[2];
    private readonly Dictionary<string, string>[] _siloEnvironments = new Dictionary<string, string>[2];
    private readonly int _grpcPort = FreePorts.Next();
    private readonly int _httpPort = FreePorts.Next();
    private Dictionary<string, string> _gatewayEnvironment = [];
    private SimulatorHost _simulatorHost = null!;

    public PostgresServer Postgres { get; } = new();
    public RedisServer Redis { get; } = new();
    public NpgsqlDataSource Database { get; private set; } = null!;
    public ProviderSimulator Simulator => _simulatorHost.Simulator;
    public EngineProcess Gateway { get; private set; } = null!;
    public GrpcChannel Grpc { get; private set; } = null!;
    public HttpClient Http { get; private set; } = null!;
    public string PublicBaseUrl => $"http://127.0.0.1:{_httpPort}";
    public Metadata AdminAuth { get; } = new() { { "authorization", $"Bearer {AdminKey}" } };
    public IReadOnlyList<string> Leads { get; } = Enumerable.Range(0, LeadCount).Select(n => $"+1312555{3000 + n:D4}").ToArray();

    public EngineProcess Silo(int index) => _silos[index]!;

    public async ValueTask InitializeAsync()
    {
        await Task.WhenAll(Postgres.StartAsync(), Redis.StartAsync(), StartSimulatorAsync());
        var connectionString = Postgres.ConnectionString;
        Database = NpgsqlDataSource.Create(connectionString);
        var clusterId = $"f{Guid.NewGuid():N}"[..12];
        var shared = new Dictionary<string, string>
        {
            ["ConnectionStrings__Postgres"] = connectionString,
            ["ConnectionStrings__Redis"] = Redis.Configuration,
            ["Orleans__ClusterId"] = clusterId,
            ["Engine__PublicBaseUrl"] = PublicBaseUrl,
        };
        for (var index = 0; index < _silos.Length; index++)
        {
            _siloEnvironments[index] = new Dictionary<string, string>(shared)
            {
                ["Orleans__SiloPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
                ["Orleans__GatewayPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture),
                ["Providers__Twilio__BaseUrl"] = SimulatorUrl,
                ["Providers__WhatsApp__BaseUrl"] = SimulatorUrl,
                ["Providers__AttemptTimeout"] = "00:00:01",
                ["Providers__RetryBaseDelay"] = "00:00:00.050",
            };
        }

        _gatewayEnvironment = new Dictionary<string, string>(shared)
        {
            ["Engine__AdminApiKey"] = AdminKey,
            ["Engine__ApiKeyCallsPerSecond"] = "10000",
            ["Gateway__HttpUrl"] = PublicBaseUrl,
            ["Gateway__GrpcUrl"] = $"http://127.0.0.1:{_grpcPort}",
        };

        // The first silo applies the schema; the second joins once it is Active.
        await StartSiloAsync(0);
        await StartSiloAsync(1);
        Grpc = GrpcChannel.ForAddress($"http://127.0.0.1:{_grpcPort}", new GrpcChannelOptions
        {
            HttpHandler = new SocketsHttpHandler { EnableMultipleHttp2Connections = true, ConnectTimeout = TimeSpan.FromSeconds(2) },
        });
        Http = new HttpClient { BaseAddress = new Uri(PublicBaseUrl), Timeout = TimeSpan.FromSeconds(10) };
        await StartGatewayAsync();
        await CreateTenantAsync();
    }

    /// <summary>pg_ctl restart -m fast under the running cluster; this process's own pool is opened afresh.</summary>
    public async Task RestartPostgresAsync()
    {
        await Postgres.RestartAsync();
        var old = Database;
        Database = NpgsqlDataSource.Create(Postgres.ConnectionString);
        await old.DisposeAsync();
    }

    /// <summary>Starts silo <paramref name="index"/> (again) and waits until both silos are Active and the gateway reaches them.</summary>
    public async Task StartSiloAsync(int index)
    {
        if (_silos[index] is { } old)
        {
            await old.DisposeAsync();
        }

        _siloNames[index] = $"silo{index}-{Guid.NewGuid():N}";
        _silos[index] = EngineProcess.Start("Silo", new Dictionary<string, string>(_siloEnvironments[index]) { ["Orleans__SiloName"] = _siloNames[index] });
        var expected = _siloNames.Where((_, i) => _silos[i] is not null).Order().ToArray();
        await Eventually.GetAsync(
            async () => (await Database.TextRowsAsync("SELECT SiloName FROM OrleansMembershipTable WHERE Status = 3")).Select(row => row[0]!).Order().ToArray(),
            active => active.SequenceEqual(expected), TimeSpan.FromSeconds(120), $"silos {string.Join(", ", expected)} Active");
        if (Gateway is not null)
        {
            await WaitForGatewayAsync();
        }
    }

    /// <summary>Starts the gateway (again) on its own ports and waits until it serves.</summary>
    public async Task StartGatewayAsync()
    {
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }

        Gateway = EngineProcess.Start("Gateway", _gatewayEnvironment);
        await WaitForGatewayAsync();
    }

    // Serving, and a grain call through it answers: it reaches the cluster, not only its own port.
    private async Task WaitForGatewayAsync()
    {
        var health = new Health.HealthClient(Grpc);
        var tenants = new TenantService.TenantServiceClient(Grpc);
        await Eventually.GetAsync(
            async () => (await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(3))).Status,
            status => status == HealthCheckResponse.Types.ServingStatus.Serving, TimeSpan.FromSeconds(90), "the gateway serving gRPC");
        await Eventually.GetAsync(
            async () =>
            {
                try
                {
                    await tenants.GetTenantAsync(new GetTenantRequest { TenantId = TenantId }, AdminAuth, deadline: DateTime.UtcNow.AddSeconds(5));
                    return true;
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
                {
                    return true;
                }
            },
            ok => ok, TimeSpan.FromSeconds(60), "the gateway reaching the cluster");
    }

    private async Task CreateTenantAsync()
    {
        await new TenantService.TenantServiceClient(Grpc).CreateTenantAsync(new CreateTenantRequest
        {
            TenantId = TenantId,
            Settings = new TenantSettings
            {
                DisplayName = "Fault Suite Homes",
                Sms = new SmsChannel { AccountSid = "AC" + new string('3', 32), AuthToken = AuthToken, FromNumber = "+14155550199" },
                RateLimits = new RateLimits { SmsSegmentsPerSecond = 1000, DailyMessageCap = 1_000_000 },
                QuietHours = new QuietHours { Enabled = false, AllowedFrom = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromHours(8)), AllowedUntil = Google.Protobuf.WellKnownTypes.Duration.FromTimeSpan(TimeSpan.FromHours(21)) },
            },
        }, AdminAuth);
        var leads = new LeadService.LeadServiceClient(Grpc);
        foreach (var phone in Leads)
        {
            await leads.RecordConsentAsync(new RecordConsentRequest { TenantId = TenantId, Phone = phone, Status = ConsentStatus.OptedIn, Source = ConsentSource.Form, Evidence = "fault suite" }, AdminAuth);
        }
    }

    private string SimulatorUrl => _simulatorHost.BaseUrl;

    // Callbacks to a stopped gateway fail by design: errors only.
    private async Task StartSimulatorAsync() => _simulatorHost = await SimulatorHost.StartAsync(LogLevel.Error);

    public async ValueTask DisposeAsync()
    {
        Grpc?.Dispose();
        Http?.Dispose();
        if (Gateway is not null)
        {
            await Gateway.DisposeAsync();
        }

        foreach (var silo in _silos)
        {
            if (silo is not null)
            {
                await silo.DisposeAsync();
            }
        }

        await _simulatorHost.DisposeAsync();
        await (Database?.DisposeAsync() ?? ValueTask.CompletedTask);
        await Redis.DisposeAsync();
        await Postgres.DisposeAsync();
    }
}
