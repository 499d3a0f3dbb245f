using Engine.Grains.Options;
using System.Net;
using Engine.Grains.Delivery;
using Engine.Grains.Encryption;
using Engine.Grains.Erasure;
using Engine.Grains.Events;
using StackExchange.Redis;
using Engine.Grains.Storage;
using Engine.Grains.Storage.Audit;
using Engine.Grains.Storage.DataKeys;
using Engine.Grains.Storage.EarlyStatuses;
using Engine.Grains.Storage.Messages;
using Engine.Grains.Storage.Outbox;
using Engine.Grains.Storage.SendRequests;
using Engine.Grains.Storage.Retention;
using Engine.Grains.Telemetry;
using Engine.Grains.Tenants;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Npgsql;
using Orleans.Configuration;
using Orleans.Runtime.Hosting;
using Orleans.Serialization.Serializers;
using Orleans.Storage;
using Engine.Grains.Storage.Automation;
using Engine.Grains.Storage.Consent;
using Engine.Grains.Storage.DeadLetters;
using Engine.Grains.Storage.Events;
using Engine.Grains.Storage.LeadDirectory;
using Engine.Grains.Storage.LeadHistory;

namespace Engine.Grains.Hosting;

/// <summary>How a process joins the engine: as a silo on PostgreSQL, or as the embedded single process.</summary>
public static partial class EngineHostingExtensions
{
    private const string Invariant = "Npgsql";

    /// <summary>Binds and validates the engine's settings; invalid settings stop the host at start.</summary>
    public static IHostApplicationBuilder AddEngineSettings(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<ConnectionStringSettings>().BindConfiguration(ConnectionStringSettings.SectionName);
        builder.Services.AddOptions<ClusterSettings>().BindConfiguration(ClusterSettings.SectionName).ValidateOnStart();
        builder.Services.AddOptions<EngineSettings>().BindConfiguration(EngineSettings.SectionName).ValidateOnStart();
        builder.Services.AddOptions<ProviderSettings>().BindConfiguration(ProviderSettings.SectionName).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<ClusterSettings>, ClusterSettingsValidator>();
        builder.Services.AddSingleton<IValidateOptions<EngineSettings>, EngineSettingsValidator>();
        builder.Services.AddSingleton<IValidateOptions<ProviderSettings>, ProviderSettingsValidator>();
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.TryAddSingleton<EngineMetrics>();
        builder.Services.TryAddSingleton<TenantCache>();
        var embedded = builder.Configuration.GetConnectionStrings().IsEmbedded;
        builder.Services.TryAddSingleton(sp => KeyEncryptionKeys.FromSettings(sp.GetRequiredService<IOptions<EngineSettings>>().Value.Encryption, embedded));
        return builder;
    }

    /// <summary>The connection strings as configured now (needed while the host is being built).</summary>
    public static ConnectionStringSettings GetConnectionStrings(this IConfiguration configuration)
    {
        var settings = configuration.GetSection(ConnectionStringSettings.SectionName).Get<ConnectionStringSettings>() ?? new();
        settings.Postgres = WithoutResetOnReuse(settings.Postgres);
        return settings;
    }

    // The engine keeps no session state on a connection (no SET, no temporary tables, only
    // transaction-scoped advisory locks), so the pool need not run DISCARD ALL before each reuse: the
    // webhook benchmark counted one for every other statement. A string that does not parse is left
    // alone for AddPostgres to report.
    private static string? WithoutResetOnReuse(string? connectionString)
    {
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            return connectionString;
        }

        try
        {
            return new NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true }.ConnectionString;
        }
        catch (ArgumentException)
        {
            return connectionString;
        }
    }

    /// <summary>The engine settings as configured now (needed while the host is being built).</summary>
    public static EngineSettings GetEngineSettings(this IConfiguration configuration) =>
        configuration.GetSection(EngineSettings.SectionName).Get<EngineSettings>() ?? new();

    /// <summary>The cluster settings as configured now (needed while the host is being built).</summary>
    public static ClusterSettings GetClusterSettings(this IConfiguration configuration) =>
        configuration.GetSection(ClusterSettings.SectionName).Get<ClusterSettings>() ?? new();

    /// <summary>
    /// Hosts a silo. With ConnectionStrings:Postgres set: ADO.NET clustering, grain storage and reminders
    /// on PostgreSQL, schema applied before the silo starts, and with Silo:Kubernetes the pod's identity
    /// and Orleans' Kubernetes hosting (<see cref="KubernetesPod"/>). Without it, and only when
    /// <paramref name="allowEmbedded"/>: localhost clustering and in-memory everything.
    /// </summary>
    public static IHostApplicationBuilder AddEngineSilo(this IHostApplicationBuilder builder, bool allowEmbedded)
    {
        builder.AddEngineSettings();
        builder.Services.AddProviderClients();
        builder.Services.AddSingleton<HandOffCheck>();
        var connections = builder.Configuration.GetConnectionStrings();
        var cluster = builder.Configuration.GetClusterSettings();

        if (connections.IsEmbedded)
        {
            if (!allowEmbedded)
            {
                throw new EngineStartupException(
                    "ConnectionStrings:Postgres is not set. A standalone silo needs PostgreSQL for membership, grain state " +
                    "and reminders; set ConnectionStrings__Postgres, or run the Gateway alone for the embedded engine.");
            }

            builder.Services.AddSingleton<IEventNotifier, GrainEventNotifier>();
            builder.Services.AddInMemoryStore<IEventLog, InMemoryEventLog>();
            builder.Services.AddSingleton<InMemoryMessageTable>();
            builder.Services.AddSingleton<IConversationLog, InMemoryConversationLog>();
            builder.Services.AddSingleton<IOutbox, InMemoryOutbox>();
            builder.Services.AddInMemoryStore<ISendRequests, InMemorySendRequests>();
            builder.Services.AddInMemoryStore<IConsentLedger, InMemoryConsentLedger>();
            builder.Services.AddInMemoryStore<IAutomationLog, InMemoryAutomationLog>();
            builder.Services.AddInMemoryStore<IDeadLetterStore, InMemoryDeadLetterStore>();
            builder.Services.AddInMemoryStore<IEarlyStatuses, InMemoryEarlyStatuses>();
            builder.Services.AddInMemoryStore<IErasureJobs, InMemoryErasureJobs>();
            builder.Services.AddSingleton<ISuppressionList>(sp => sp.GetRequiredService<InMemoryErasureJobs>());
            builder.Services.AddSingleton<IPersonalRecords, InMemoryPersonalRecords>();
            builder.Services.AddSingleton<ILeadHistory, InMemoryLeadHistory>();
            builder.Services.AddInMemoryStore<ILeadDirectory, InMemoryLeadDirectory>();
            builder.Services.AddSingleton<IMessageRetention, InMemoryMessageRetention>();
            builder.Services.AddSingleton<IAuditLog, InMemoryAuditLog>();
            builder.Services.AddSingleton<IDataKeyStore, InMemoryDataKeyStore>().AddSingleton<DataKeys>().AddSingleton<PayloadCipher>();
            builder.Services.AddErasure(AddressHasher.FromSettings(builder.Configuration.GetEngineSettings().SuppressionKey, generateIfMissing: true));
            builder.Services.AddOptions<MemoryGrainStorageOptions>(GrainStorage.Name)
                .PostConfigure<Orleans.Serialization.Serializer, DataKeys>((options, serializer, keys) => options.GrainStorageSerializer = StateSerializer(serializer, keys));
            builder.UseOrleans(silo => silo
                .UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId)
                .AddMemoryGrainStorage(GrainStorage.Name)
                .UseInMemoryReminderService()
                .AddEngineTracing()
                .AddOutboxSweep());
            return builder;
        }

        var pod = KubernetesPod.Read(builder.Configuration, cluster);
        builder.AddPostgres(connections.Postgres!, applySchema: true);
        builder.AddRedis();
        builder.Services.AddEnginePostgresStores();
        builder.Services.AddErasure(AddressHasher.FromSettings(builder.Configuration.GetEngineSettings().SuppressionKey, generateIfMissing: false));
        builder.UseOrleans(silo =>
        {
            silo.Configure<ClusterOptions>(o => (o.ClusterId, o.ServiceId) = (cluster.ClusterId, cluster.ServiceId));
            silo.Configure<SiloOptions>(o => o.SiloName = pod?.Name ?? cluster.SiloName ?? $"{Dns.GetHostName()}-{Environment.ProcessId}");
            silo.ConfigureEndpoints(pod?.Address ?? IPAddress.Parse(cluster.AdvertisedIPAddress), cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: true);
            if (pod is not null)
            {
                KubernetesPod.UseKubernetesHosting(silo);
            }

            silo.UseAdoNetClustering(o => (o.Invariant, o.ConnectionString) = (Invariant, connections.Postgres));
            silo.Configure<ClusterMembershipOptions>(DetectDeadSilosQuickly);
            silo.AddEnginePostgresProviders(connections.Postgres!);
            silo.AddEngineTracing();
            silo.AddIncomingGrainCallFilter<StorageFaultFilter>();
            silo.AddOutboxSweep();
        });
        return builder;
    }

    /// <summary>
    /// A silo that dies without leaving (SIGKILL, a lost host) is declared dead within about five
    /// seconds rather than Orleans' default of fifteen or more, so its grains come back elsewhere while
    /// clients still retry. The price: a silo that stalls for a few seconds (long GC, starved CPU) can be
    /// voted out and must restart. Orleans softens that: probe timeouts stretch with observed round
    /// trips and local degradation, a probe spanning a GC pause does not count, and a connection still
    /// carrying messages vetoes the vote.
    /// </summary>
    private static void DetectDeadSilosQuickly(ClusterMembershipOptions membership)
    {
        // A probe every 1 to 1.5 s (period and timeout adapt to round trips, up to four times this)...
        membership.ProbeTimeout = TimeSpan.FromSeconds(1.5);
        membership.MinProbeTimeout = TimeSpan.FromSeconds(1);
        // ...and three missed in a row: a killed silo refuses connections, so each probe fails at once.
        membership.NumMissedProbesLimit = 3;
        // Two voters in bigger clusters, so one silo's own trouble cannot evict a healthy peer; Orleans
        // asks no more than half of the active silos, so in a two-silo cluster the survivor decides alone.
        membership.NumVotesForDeathDeclaration = 2;
        // Heartbeats in the table: an Active row silent for 15 s is stale, so a silo restarting after a
        // crash does not wait on its dead predecessor, and readers of the table learn of deaths soon.
        membership.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(5);
        membership.NumMissedTableIAmAliveLimit = 3;
        membership.TableRefreshTimeout = TimeSpan.FromSeconds(10);
    }

    /// <summary>
    /// Redis, when ConnectionStrings:Redis is set: the event bus (and, in the gateway, webhook
    /// de-duplication). The connection is made lazily and rebuilt in the background after outages.
    /// </summary>
    public static IHostApplicationBuilder AddRedis(this IHostApplicationBuilder builder)
    {
        if (builder.Configuration.GetConnectionStrings().Redis is { Length: > 0 } redis)
        {
            var options = ConfigurationOptions.Parse(redis);
            options.AbortOnConnectFail = false; // reconnect in the background; readiness reports the outage
            builder.Services.AddSingleton<IConnectionMultiplexer>(_ => ConnectionMultiplexer.Connect(options));
            builder.Services.AddSingleton<RedisEventBus>();
        }

        return builder;
    }

    /// <summary>
    /// The provider clients senders use: base URLs from Providers:*, retries of transient refusals with
    /// exponential backoff and jitter, and a per-attempt timeout whose expiry is an unknown outcome
    /// (reconciled by the sender, never blindly retried).
    /// </summary>
    public static IServiceCollection AddProviderClients(this IServiceCollection services)
    {
        services.AddSingleton<ProviderClients>().AddSingleton<ProviderHandOff>();
        // Partners get ten seconds an attempt; a slow one only delays its own deliveries. Each connection
        // goes to a public address only (unless allowed), checked at connect time; no proxy, so the
        // address checked is the partner's.
        services.AddHttpClient(PartnerWebhookGrain.HttpClientName, http => http.Timeout = TimeSpan.FromSeconds(10))
            .ConfigurePrimaryHttpMessageHandler(sp => sp.GetRequiredService<IOptions<EngineSettings>>().Value.AllowPrivateWebhookTargets
                ? new SocketsHttpHandler { UseProxy = false }
                : new SocketsHttpHandler { UseProxy = false, ConnectCallback = PartnerWebhookTargets.ConnectToPublicAddressAsync });
        services.AddHttpClient<TwilioClient>((sp, http) => http.BaseAddress = BaseAddress(sp.GetRequiredService<IOptions<ProviderSettings>>().Value.Twilio.BaseUrl))
            .ConfigurePrimaryHttpMessageHandler(PooledHandler)
            .AddResilienceHandler("twilio", (pipeline, context) => ProviderResilience.Configure(pipeline, context.ServiceProvider));
        services.AddHttpClient<WhatsAppClient>((sp, http) => http.BaseAddress = BaseAddress(sp.GetRequiredService<IOptions<ProviderSettings>>().Value.WhatsApp.BaseUrl))
            .ConfigurePrimaryHttpMessageHandler(PooledHandler)
            .AddResilienceHandler("whatsapp", (pipeline, context) => ProviderResilience.Configure(pipeline, context.ServiceProvider));
        return services;
    }

    // Bounded connections: a burst reuses warm keep-alive connections instead of opening thousands.
    private static SocketsHttpHandler PooledHandler() => new() { MaxConnectionsPerServer = 256, PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2) };

    private static Uri BaseAddress(string url) => new(url.EndsWith('/') ? url : url + "/");

    // Started with the silo's Active stage, stopped before its grains are.
    private static ISiloBuilder AddOutboxSweep(this ISiloBuilder silo)
    {
        silo.Services.AddSingleton<OutboxSweep>();
        silo.Services.AddSingleton<ILifecycleParticipant<ISiloLifecycle>>(services => services.GetRequiredService<OutboxSweep>());
        return silo;
    }

    /// <summary>Grain storage and reminders on PostgreSQL (clustering is configured separately).</summary>
    public static ISiloBuilder AddEnginePostgresProviders(this ISiloBuilder silo, string connectionString)
    {
        silo.Services.AddGrainStorage(GrainStorage.Name, (services, _) => new PostgresGrainStorage(
            services.GetRequiredService<NpgsqlDataSource>(),
            StateSerializer(services.GetRequiredService<Orleans.Serialization.Serializer>(), services.GetRequiredService<DataKeys>()),
            services.GetRequiredService<IActivatorProvider>(),
            services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId));
        silo.UseAdoNetReminderService(o => (o.Invariant, o.ConnectionString) = (Invariant, connectionString));
        return silo;
    }

    // Grain state is written in Orleans' own binary format, versioned by the [Id]s of the state types,
    // rather than the providers' default Newtonsoft JSON: that JSON writes computed members and, on
    // reading, fills in the objects a state's initialisers created, so a shared default such as
    // LeadProfile.Empty would be overwritten with one lead's data and show up on every new lead.
    // The payload is then sealed whole, so secrets and personal data in state are never stored in clear.
    private static SealedGrainStorageSerializer StateSerializer(Orleans.Serialization.Serializer serializer, DataKeys keys) =>
        new SealedGrainStorageSerializer(new OrleansGrainStorageSerializer(serializer), keys);

    /// <summary>
    /// The message log, consent ledger, automation log, event log, audit log and data keys on the
    /// registered <see cref="NpgsqlDataSource"/>; their writes emit events and poke the tenant's relay grain.
    /// Needs a <see cref="KeyEncryptionKeys"/> (<see cref="AddEngineSettings"/> registers it).
    /// </summary>
    public static IServiceCollection AddEnginePostgresStores(this IServiceCollection services) => services
        .AddSingleton<IEventNotifier, GrainEventNotifier>()
        .AddSingleton<IEventLog, PostgresEventLog>()
        .AddSingleton<IConversationLog, PostgresConversationLog>()
        .AddSingleton<IOutbox, PostgresOutbox>()
        .AddSingleton<ISendRequests, PostgresSendRequests>()
        .AddSingleton<IConsentLedger, PostgresConsentLedger>()
        .AddSingleton<IAutomationLog, PostgresAutomationLog>()
        .AddSingleton<IDeadLetterStore, PostgresDeadLetterStore>()
        .AddSingleton<IEarlyStatuses, PostgresEarlyStatuses>()
        .AddSingleton<IMessageRetention, PostgresMessageRetention>()
        .AddSingleton<IAuditLog, PostgresAuditLog>()
        .AddSingleton<IDataKeyStore, PostgresDataKeyStore>()
        .AddSingleton<DataKeys>()
        .AddSingleton<PayloadCipher>()
        .AddSingleton<IErasureJobs, PostgresErasureJobs>()
        .AddSingleton<ISuppressionList, PostgresSuppressionList>()
        .AddSingleton<IPersonalRecords, PostgresPersonalRecords>()
        .AddSingleton<ILeadHistory, PostgresLeadHistory>()
        .AddSingleton<ILeadDirectory, PostgresLeadDirectory>();

    // Erasure needs the in-memory stores by their own types too; each is still one instance.
    private static void AddInMemoryStore<TService, TStore>(this IServiceCollection services)
        where TService : class
        where TStore : class, TService
    {
        services.AddSingleton<TStore>();
        services.AddSingleton<TService>(sp => sp.GetRequiredService<TStore>());
    }

    private static void AddErasure(this IServiceCollection services, AddressHasher hasher)
    {
        services.AddSingleton(hasher);
        services.AddSingleton<ErasureAudit>();
    }

    /// <summary>
    /// Registers the shared <see cref="NpgsqlDataSource"/>; <see cref="PostgresStartup.PrepareStorageAsync"/>
    /// then checks it (and, when <paramref name="applySchema"/>, migrates it) before the host runs.
    /// </summary>
    public static IHostApplicationBuilder AddPostgres(this IHostApplicationBuilder builder, string connectionString, bool applySchema)
    {
        NpgsqlDataSource dataSource;
        try
        {
            dataSource = NpgsqlDataSource.Create(PostgresConnectionSettings.WithEngineDefaults(connectionString));
        }
        catch (ArgumentException e)
        {
            throw new EngineStartupException($"ConnectionStrings:Postgres is not a valid Npgsql connection string: {e.Message}", e);
        }

        builder.Services.AddSingleton(dataSource);
        builder.Services.AddSingleton<SchemaMigrator>();
        builder.Services.AddSingleton(new PostgresStartup.Role(applySchema));
        return builder;
    }
}
