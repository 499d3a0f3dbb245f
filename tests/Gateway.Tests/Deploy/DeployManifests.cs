using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.Serialization;

namespace Engine.Gateway.Tests.Deploy;

/// <summary>Which engine process a container runs.</summary>
public enum EngineRole
{
    Silo,
    Gateway,
    Migrate,
}

/// <summary>A probe of a Kubernetes container: its HTTP path and the name of the port it targets.</summary>
public sealed record Probe(string Kind, string Path, string Port);

/// <summary>
/// One engine container as a manifest declares it: the configuration keys it sets ("Engine:PublicBaseUrl",
/// from Engine__PublicBaseUrl, its image's ENV included) with their values, and in Kubernetes its pod
/// labels, named ports, probes, the secret keys it references, the pod fields it is given (by setting:
/// "POD_IP" from "status.podIP") and its pod's service account.
/// </summary>
public sealed record EngineContainer(
    string Source,
    EngineRole Role,
    IReadOnlyDictionary<string, string?> Settings,
    IReadOnlyDictionary<string, string> Labels,
    IReadOnlyDictionary<string, int> Ports,
    IReadOnlyList<Probe> Probes,
    IReadOnlyList<(string Secret, string Key)> SecretKeys,
    IReadOnlyDictionary<string, string> PodFields,
    string? ServiceAccount);

/// <summary>What a Role bound to a service account lets it do: verbs on one resource of one API group.</summary>
public sealed record Permission(string ServiceAccount, string ApiGroup, string Resource, IReadOnlySet<string> Verbs);

/// <summary>Reads deploy/: compose.yaml, every Kubernetes manifest under k8s/ and the Dockerfiles' ENV lines.</summary>
public static partial class DeployManifests
{
    public static string Folder { get; } = Path.Combine(RepositoryRoot(), "deploy");

    /// <summary>Every YAML file under deploy/, each parsed as its documents (merge keys resolved).</summary>
    public static IEnumerable<(string File, IReadOnlyList<object?> Documents)> YamlFiles() =>
        Directory.EnumerateFiles(Folder, "*.yaml", SearchOption.AllDirectories).Order(StringComparer.Ordinal)
            .Select(file => (Path.GetRelativePath(Folder, file), (IReadOnlyList<object?>)Parse(file)));

    public static IReadOnlyList<EngineContainer> ComposeContainers()
    {
        var compose = Map(Parse(Path.Combine(Folder, "compose.yaml")).Single());
        var containers = new List<EngineContainer>();
        foreach (var (name, value) in Map(compose["services"]))
        {
            var service = Map(value);
            var build = service.TryGetValue("build", out var b) ? Map(b) : [];
            var image = $"{Str(service.GetValueOrDefault("image"))} {Str(build.GetValueOrDefault("dockerfile"))}";
            var command = Seq(service.GetValueOrDefault("command")).Select(Str);
            if (RoleOf(image, command) is not { } role)
            {
                continue;
            }

            var settings = ImageSettings(role);
            foreach (var (key, setting) in Map(service.GetValueOrDefault("environment")))
            {
                settings[ConfigKey(Str(key)!)] = Interpolate(Str(setting));
            }

            containers.Add(new($"compose.yaml service {name}", role, settings, new Dictionary<string, string>(), new Dictionary<string, int>(), [], [],
                new Dictionary<string, string>(), null));
        }

        return containers;
    }

    public static IReadOnlyList<EngineContainer> KubernetesContainers()
    {
        var documents = Directory.EnumerateFiles(Path.Combine(Folder, "k8s"), "*.yaml").Order(StringComparer.Ordinal)
            .SelectMany(file => Parse(file).Select(doc => (File: Path.GetFileName(file), Doc: Map(doc)))).ToArray();
        var configMaps = documents.Where(d => Str(d.Doc.GetValueOrDefault("kind")) == "ConfigMap")
            .ToDictionary(d => Str(Map(d.Doc["metadata"])["name"])!, d => Map(d.Doc.GetValueOrDefault("data")));
        var containers = new List<EngineContainer>();
        foreach (var (file, doc) in documents.Where(d => Str(d.Doc.GetValueOrDefault("kind")) is "Deployment" or "StatefulSet" or "Job"))
        {
            var template = Map(Map(doc["spec"])["template"]);
            var labels = Map(Map(template["metadata"]).GetValueOrDefault("labels")).ToDictionary(l => Str(l.Key)!, l => Str(l.Value)!);
            var serviceAccount = Str(Map(template["spec"]).GetValueOrDefault("serviceAccountName"));
            foreach (var container in Seq(Map(template["spec"])["containers"]).Select(Map))
            {
                if (RoleOf(Str(container["image"])!, Seq(container.GetValueOrDefault("args")).Select(Str)) is not { } role)
                {
                    continue;
                }

                var settings = ImageSettings(role);
                var secretKeys = new List<(string, string)>();
                var podFields = new Dictionary<string, string>();
                foreach (var source in Seq(container.GetValueOrDefault("envFrom")).Select(Map))
                {
                    var configMap = Str(Map(source.GetValueOrDefault("configMapRef")).GetValueOrDefault("name"))
                        ?? throw new InvalidDataException($"{file}: only configMapRef sources are read");
                    foreach (var (key, value) in configMaps[configMap])
                    {
                        settings[ConfigKey(Str(key)!)] = Str(value);
                    }
                }

                foreach (var env in Seq(container.GetValueOrDefault("env")).Select(Map))
                {
                    var from = Map(env.GetValueOrDefault("valueFrom"));
                    if (from.TryGetValue("secretKeyRef", out var secretRef))
                    {
                        secretKeys.Add((Str(Map(secretRef)["name"])!, Str(Map(secretRef)["key"])!));
                    }

                    if (from.TryGetValue("fieldRef", out var fieldRef))
                    {
                        podFields[ConfigKey(Str(env["name"])!)] = Str(Map(fieldRef)["fieldPath"])!;
                    }

                    settings[ConfigKey(Str(env["name"])!)] = from.Count > 0 ? "(from the pod)" : Str(env.GetValueOrDefault("value"));
                }

                var ports = Seq(container.GetValueOrDefault("ports")).Select(Map)
                    .ToDictionary(p => Str(p["name"])!, p => int.Parse(Str(p["containerPort"])!, System.Globalization.CultureInfo.InvariantCulture));
                var probes = new[] { "startupProbe", "livenessProbe", "readinessProbe" }
                    .Where(container.ContainsKey)
                    .Select(kind => (Kind: kind, Get: Map(Map(container[kind])["httpGet"])))
                    .Select(p => new Probe(p.Kind, Str(p.Get["path"])!, Str(p.Get["port"])!)).ToArray();
                containers.Add(new($"k8s/{file} container {Str(container["name"])}", role, settings, labels, ports, probes, secretKeys, podFields, serviceAccount));
            }
        }

        return containers;
    }

    /// <summary>The keys a Secret manifest under k8s/ provides, by Secret name.</summary>
    public static IReadOnlyDictionary<string, HashSet<string>> KubernetesSecrets() =>
        KubernetesObjects("Secret")
            .ToDictionary(doc => Str(Map(doc["metadata"])["name"])!,
                doc => Map(doc.GetValueOrDefault("stringData")).Keys.Concat(Map(doc.GetValueOrDefault("data")).Keys).Select(k => Str(k)!).ToHashSet(StringComparer.Ordinal));

    /// <summary>The service accounts declared under k8s/.</summary>
    public static IReadOnlySet<string> KubernetesServiceAccounts() =>
        KubernetesObjects("ServiceAccount").Select(doc => Str(Map(doc["metadata"])["name"])!).ToHashSet(StringComparer.Ordinal);

    /// <summary>What each service account may do, through the RoleBindings and Roles under k8s/.</summary>
    public static IReadOnlyList<Permission> KubernetesPermissions()
    {
        var roles = KubernetesObjects("Role").ToDictionary(doc => Str(Map(doc["metadata"])["name"])!, doc => Seq(doc.GetValueOrDefault("rules")).Select(Map).ToArray());
        return KubernetesObjects("RoleBinding")
            .SelectMany(binding => Seq(binding.GetValueOrDefault("subjects")).Select(Map)
                .Where(subject => Str(subject["kind"]) == "ServiceAccount")
                .SelectMany(subject => roles.GetValueOrDefault(Str(Map(binding["roleRef"])["name"])!, []).SelectMany(rule =>
                    Seq(rule.GetValueOrDefault("apiGroups")).SelectMany(group => Seq(rule.GetValueOrDefault("resources")).Select(resource =>
                        new Permission(Str(subject["name"])!, Str(group)!, Str(resource)!, Seq(rule.GetValueOrDefault("verbs")).Select(v => Str(v)!).ToHashSet(StringComparer.Ordinal)))))))
            .ToArray();
    }

    private static IEnumerable<Dictionary<object, object?>> KubernetesObjects(string kind) =>
        Directory.EnumerateFiles(Path.Combine(Folder, "k8s"), "*.yaml").SelectMany(Parse).Select(Map).Where(doc => Str(doc.GetValueOrDefault("kind")) == kind);

    /// <summary>Engine__PublicBaseUrl → Engine:PublicBaseUrl (names that are not .NET configuration keys stay as they are).</summary>
    public static string ConfigKey(string environmentVariable) => environmentVariable.Replace("__", ":", StringComparison.Ordinal);

    private static EngineRole? RoleOf(string image, IEnumerable<string?> arguments) =>
        image.Contains("silo", StringComparison.OrdinalIgnoreCase)
            ? arguments.Contains("--migrate-only") ? EngineRole.Migrate : EngineRole.Silo
            : image.Contains("gateway", StringComparison.OrdinalIgnoreCase) ? EngineRole.Gateway : null;

    // The ENV lines of the role's Dockerfile ("ENV A=1 \" continued by "    B=2").
    private static Dictionary<string, string?> ImageSettings(EngineRole role)
    {
        var dockerfile = Path.Combine(Folder, "docker", role == EngineRole.Gateway ? "Gateway.Dockerfile" : "Silo.Dockerfile");
        var text = File.ReadAllText(dockerfile).Replace("\\\n", " ", StringComparison.Ordinal);
        return EnvLine().Matches(text).SelectMany(m => m.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Select(pair => pair.Split('=', 2))
            .ToDictionary(pair => ConfigKey(pair[0]), pair => (string?)pair[1], StringComparer.OrdinalIgnoreCase);
    }

    // Compose's ${NAME:-default} and ${NAME:?message}: the default, or a stand-in for what the operator must set.
    private static string? Interpolate(string? value) =>
        value is null ? null : Variable().Replace(value, m => m.Groups["default"].Success ? m.Groups["default"].Value : "set-by-the-operator");

    private static List<object?> Parse(string file)
    {
        using var reader = File.OpenText(file);
        var parser = new MergingParser(new Parser(reader));
        var deserializer = new DeserializerBuilder().Build();
        var documents = new List<object?>();
        parser.Consume<StreamStart>();
        while (parser.Accept<DocumentStart>(out _))
        {
            documents.Add(deserializer.Deserialize<object?>(parser));
        }

        return documents;
    }

    private static Dictionary<object, object?> Map(object? node) => node as Dictionary<object, object?> ?? [];

    private static List<object?> Seq(object? node) => node as List<object?> ?? [];

    private static string? Str(object? node) => node as string;

    private static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Engine.sln")))
            {
                return dir.FullName;
            }
        }

        throw new DirectoryNotFoundException("Engine.sln not found above the test's folder.");
    }

    [GeneratedRegex(@"^ENV\s+(.+)$", RegexOptions.Multiline)]
    private static partial Regex EnvLine();

    [GeneratedRegex(@"\$\{\w+(?::-(?<default>[^}]*)|:\?[^}]*)?\}")]
    private static partial Regex Variable();
}
