using System.ComponentModel.DataAnnotations;
using System.Reflection;
using System.Text.RegularExpressions;
using Engine.Gateway.Hosting;
using Engine.Grains.Hosting;
using Engine.Grains.Options;
using Microsoft.Extensions.Configuration;

namespace Engine.Gateway.Tests.Deploy;

/// <summary>
/// deploy/ cannot be run here (no container engine), so it is checked against the code instead: every
/// setting a manifest gives an engine process is one that process binds, every setting it needs is
/// given, values pass the options' own validation, and probes, ports and Orleans labels line up.
/// </summary>
public sealed partial class ManifestTests
{
    // What each process binds: the options classes' sections (their SectionName; "" is the root), by role.
    // Both hosts bind the engine's own four (AddEngineSettings); the gateway uses Providers only when
    // embedded; the silo reads the pod's variables (KubernetesPodSettings) with Silo:Kubernetes.
    private static readonly Dictionary<EngineRole, Type[]> Binds = new()
    {
        [EngineRole.Silo] = [typeof(ConnectionStringSettings), typeof(ClusterSettings), typeof(EngineSettings), typeof(ProviderSettings), typeof(SiloSettings), typeof(KubernetesPodSettings)],
        [EngineRole.Migrate] = [typeof(ConnectionStringSettings), typeof(ClusterSettings), typeof(EngineSettings), typeof(ProviderSettings), typeof(SiloSettings), typeof(KubernetesPodSettings)],
        [EngineRole.Gateway] = [typeof(ConnectionStringSettings), typeof(ClusterSettings), typeof(EngineSettings), typeof(ProviderSettings), typeof(GatewaySettings)],
    };

    // Read by the platform rather than an options class: logging, the OpenTelemetry SDK, Kestrel.
    private static readonly string[] PlatformPrefixes = ["Logging:", "OTEL_", "Kestrel:Endpoints:"];

    private static readonly Dictionary<EngineRole, string[]> Required = new()
    {
        [EngineRole.Silo] =
        [
            "ConnectionStrings:Postgres", "ConnectionStrings:Redis", "Orleans:ClusterId", "Orleans:ServiceId", "Orleans:AdvertisedIPAddress",
            "Engine:PublicBaseUrl", "Providers:Twilio:BaseUrl", "Providers:WhatsApp:BaseUrl", "Silo:HttpUrl", "Engine:Encryption:ActiveKeyId",
        ],
        [EngineRole.Migrate] = ["ConnectionStrings:Postgres"],
        [EngineRole.Gateway] =
        [
            "ConnectionStrings:Postgres", "ConnectionStrings:Redis", "Orleans:ClusterId", "Orleans:ServiceId",
            "Engine:AdminApiKey", "Engine:PublicBaseUrl", "Gateway:HttpUrl", "Gateway:GrpcUrl", "Engine:Encryption:ActiveKeyId",
        ],
    };

    // A silo in Kubernetes runs with Silo:Kubernetes: it takes its name and address from its pod (instead
    // of Orleans:SiloName and Orleans:AdvertisedIPAddress) and is told its own orleans/* labels, each from
    // the pod field named here.
    private static readonly Dictionary<string, string> KubernetesSiloFields = new()
    {
        ["POD_NAME"] = "metadata.name",
        ["POD_NAMESPACE"] = "metadata.namespace",
        ["POD_IP"] = "status.podIP",
        ["ORLEANS_SERVICE_ID"] = "metadata.labels['orleans/serviceId']",
        ["ORLEANS_CLUSTER_ID"] = "metadata.labels['orleans/clusterId']",
    };

    public static TheoryData<string> Files() => [.. DeployManifests.YamlFiles().Select(f => f.File)];

    [Theory]
    [MemberData(nameof(Files))]
    public void EveryYamlFile_Parses(string file) =>
        Assert.NotEmpty(Assert.Single(DeployManifests.YamlFiles(), f => f.File == file).Documents);

    [Fact]
    public void EveryEngineContainer_SetsOnlyWhatItsProcessReads_AndAllItNeeds()
    {
        var containers = AllContainers();

        Assert.Equal(
            [EngineRole.Silo, EngineRole.Gateway, EngineRole.Migrate],
            containers.Select(c => c.Role).Distinct().Order().ToArray());
        foreach (var container in containers)
        {
            var known = Binds[container.Role].SelectMany(KeysOf).ToHashSet(StringComparer.OrdinalIgnoreCase);
            var unknown = container.Settings.Keys.Where(k => !IsKnown(known, k) && !PlatformPrefixes.Any(p => k.StartsWith(p, StringComparison.Ordinal)));
            Assert.True(!unknown.Any(), $"{container.Source} sets {string.Join(", ", unknown)}, which the {container.Role} does not read");
            var missing = RequiredOf(container).Where(k => !container.Settings.ContainsKey(k));
            Assert.True(!missing.Any(), $"{container.Source} does not set {string.Join(", ", missing)}");
            if (container.Settings.TryGetValue("Engine:Encryption:ActiveKeyId", out var activeKeyId))
            {
                Assert.True(container.Settings.ContainsKey($"Engine:Encryption:Keys:{activeKeyId}"), $"{container.Source} does not set the active key Engine:Encryption:Keys:{activeKeyId}");
            }
        }
    }

    [Fact]
    public void EveryEngineContainer_PassesTheOptionsValidation_AndListensBeyondLoopback()
    {
        foreach (var container in AllContainers())
        {
            var configuration = new ConfigurationBuilder()
                .AddInMemoryCollection(container.Settings.Select(s => KeyValuePair.Create(s.Key, s.Value == "(from the pod)" ? PodValue(container, s.Key) : s.Value)))
                .Build();
            foreach (var type in Binds[container.Role])
            {
                var section = SectionOf(type) is { Length: > 0 } name ? configuration.GetSection(name) : (IConfiguration)configuration;
                var options = section.Get(type) ?? Activator.CreateInstance(type)!;
                var errors = new List<ValidationResult>();
                Assert.True(Validator.TryValidateObject(options, new ValidationContext(options), errors, validateAllProperties: true),
                    $"{container.Source}: {string.Join("; ", errors.Select(e => e.ErrorMessage))}");
            }

            if (container.Role == EngineRole.Silo)
            {
                // The silo's own checks of its pod against its cluster identity (the labels against Orleans:*).
                var exception = Record.Exception(() => KubernetesPod.Read(configuration, configuration.GetSection(ClusterSettings.SectionName).Get<ClusterSettings>() ?? new()));
                Assert.True(exception is null, $"{container.Source}: {exception?.Message}");
            }

            foreach (var listener in new[] { "Silo:HttpUrl", "Gateway:HttpUrl", "Gateway:GrpcUrl" }.Where(container.Settings.ContainsKey))
            {
                Assert.Equal("0.0.0.0", new Uri(container.Settings[listener]!).Host);
            }
        }
    }

    [Fact]
    public void KubernetesProbes_HitTheListener_AndSiloLabelsMatchTheClusterIdentity()
    {
        var secrets = DeployManifests.KubernetesSecrets();
        foreach (var container in DeployManifests.KubernetesContainers())
        {
            Assert.All(container.SecretKeys, reference => Assert.Contains(reference.Key, secrets[reference.Secret]));
            if (container.Role == EngineRole.Migrate)
            {
                continue;
            }

            var listener = new Uri(container.Settings[container.Role == EngineRole.Silo ? "Silo:HttpUrl" : "Gateway:HttpUrl"]!);
            Assert.Contains(container.Probes, p => p.Kind == "livenessProbe" && p.Path == "/healthz");
            Assert.Contains(container.Probes, p => p.Kind == "readinessProbe" && p.Path == "/readyz");
            Assert.All(container.Probes, probe => Assert.Equal(listener.Port, container.Ports[probe.Port]));
            if (container.Role == EngineRole.Silo)
            {
                Assert.Equal(container.Settings["Orleans:ServiceId"], container.Labels["orleans/serviceId"]);
                Assert.Equal(container.Settings["Orleans:ClusterId"], container.Labels["orleans/clusterId"]);
            }
        }
    }

    [Fact]
    public void KubernetesSilos_AreTheirPods_AndTheirServiceAccountMayWatchPodsButNotDeleteThem()
    {
        var accounts = DeployManifests.KubernetesServiceAccounts();
        var permissions = DeployManifests.KubernetesPermissions();
        var silos = DeployManifests.KubernetesContainers().Where(c => c.Role == EngineRole.Silo).ToArray();

        Assert.NotEmpty(silos);
        foreach (var silo in silos)
        {
            Assert.Equal("true", silo.Settings.GetValueOrDefault("Silo:Kubernetes"));
            Assert.All(KubernetesSiloFields, field => Assert.Equal(field.Value, silo.PodFields.GetValueOrDefault(field.Key)));
            Assert.DoesNotContain("Orleans:SiloName", silo.Settings.Keys);
            Assert.DoesNotContain("Orleans:AdvertisedIPAddress", silo.Settings.Keys);
            Assert.Contains(silo.ServiceAccount!, accounts);
            // What Orleans' Kubernetes hosting calls: read and label its own pod, list and watch the others.
            var verbs = permissions.Where(p => (p.ServiceAccount, p.ApiGroup, p.Resource) == (silo.ServiceAccount, "", "pods")).SelectMany(p => p.Verbs).Distinct().Order();
            Assert.Equal(["get", "list", "patch", "watch"], verbs);
        }
    }

    private static IEnumerable<string> RequiredOf(EngineContainer container) =>
        container.Role == EngineRole.Silo && container.Source.StartsWith("k8s/", StringComparison.Ordinal)
            ? Required[EngineRole.Silo].Where(k => k != "Orleans:AdvertisedIPAddress").Concat(KubernetesSiloFields.Keys).Append("Silo:Kubernetes")
            : Required[container.Role];

    // Stand-ins for what Kubernetes gives a pod; its labels are the manifest's own. Secrets get an address.
    private static string PodValue(EngineContainer container, string key) =>
        container.PodFields.GetValueOrDefault(key) switch
        {
            "metadata.name" => "engine-silo-5d9f7c-x2v4q",
            "metadata.namespace" => "engine",
            { } field when LabelField().Match(field) is { Success: true } label => container.Labels[label.Groups[1].Value],
            _ => "10.0.0.7",
        };

    private static List<EngineContainer> AllContainers() => [.. DeployManifests.ComposeContainers(), .. DeployManifests.KubernetesContainers()];

    private static string SectionOf(Type settings) => (string)settings.GetField("SectionName")!.GetValue(null)!;

    // "Providers:Twilio:BaseUrl" and friends: every settable property, nested settings classes walked; a
    // dictionary is a prefix ("Engine:Encryption:Keys:*"), its keys being the operator's to choose.
    private static IEnumerable<string> KeysOf(Type settings) => KeysOf(settings, SectionOf(settings));

    // A property's key is its [ConfigurationKeyName] when it has one ("POD_IP"), as the binder reads it.
    private static IEnumerable<string> KeysOf(Type type, string prefix) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite && p.GetIndexParameters().Length == 0).SelectMany(p =>
        {
            var name = p.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? p.Name;
            var key = prefix.Length == 0 ? name : $"{prefix}:{name}";
            return p.PropertyType.IsGenericType && p.PropertyType.GetGenericTypeDefinition() == typeof(Dictionary<,>) ? [$"{key}:*"]
                : p.PropertyType.IsClass && p.PropertyType != typeof(string) ? KeysOf(p.PropertyType, key)
                : [key];
        });

    private static bool IsKnown(HashSet<string> known, string key) =>
        known.Contains(key) || known.Any(k => k.EndsWith(":*", StringComparison.Ordinal) && key.StartsWith(k[..^1], StringComparison.OrdinalIgnoreCase));

    [GeneratedRegex(@"^metadata\.labels\['([^']+)'\]$")]
    private static partial Regex LabelField();
}
