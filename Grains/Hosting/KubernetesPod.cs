using System.Net;
using k8s;
using Microsoft.Extensions.Configuration;
using Orleans.Hosting.Kubernetes;

namespace Engine.Grains.Hosting;

/// <summary>
/// What a silo pod learns about itself from the Kubernetes downward API: variables at the root of the
/// configuration, under the names Orleans' Kubernetes hosting reads itself. Read only with Silo:Kubernetes set.
/// </summary>
public sealed class KubernetesPodSettings
{
    /// <summary>None: the names are the package's plain environment variables.</summary>
    public const string SectionName = "";

    /// <summary>The pod's name (fieldRef metadata.name); it names the silo in the membership table.</summary>
    [ConfigurationKeyName(KubernetesHostingOptions.PodNameEnvironmentVariable)]
    public string? Name { get; set; }

    /// <summary>The namespace whose silo pods are watched (fieldRef metadata.namespace).</summary>
    [ConfigurationKeyName(KubernetesHostingOptions.PodNamespaceEnvironmentVariable)]
    public string? Namespace { get; set; }

    /// <summary>The pod's address (fieldRef status.podIP), which the silo advertises.</summary>
    [ConfigurationKeyName(KubernetesHostingOptions.PodIPEnvironmentVariable)]
    public string? IP { get; set; }

    /// <summary>The pod's orleans/serviceId label; when set, it must equal Orleans:ServiceId.</summary>
    [ConfigurationKeyName(KubernetesHostingOptions.ServiceIdEnvironmentVariable)]
    public string? ServiceId { get; set; }

    /// <summary>The pod's orleans/clusterId label; when set, it must equal Orleans:ClusterId.</summary>
    [ConfigurationKeyName(KubernetesHostingOptions.ClusterIdEnvironmentVariable)]
    public string? ClusterId { get; set; }
}

/// <summary>
/// The pod a silo runs in, with Silo:Kubernetes set: the silo takes the pod's name and address, and
/// Orleans' Kubernetes hosting watches the cluster's pods (by their orleans/* labels), so a silo whose pod
/// was deleted is declared dead at once rather than after missed probes. Membership stays in PostgreSQL.
/// </summary>
public sealed record KubernetesPod(string Name, IPAddress Address)
{
    /// <summary>
    /// The pod, or null without Silo:Kubernetes. Every disagreement between what the pod says and what
    /// the engine is configured with stops the silo: Orleans' package reads the pod's variables itself, so
    /// a second value would silently lose to it (or win over it) depending on registration order.
    /// </summary>
    public static KubernetesPod? Read(IConfiguration configuration, ClusterSettings cluster)
    {
        if (!(configuration.GetSection(SiloSettings.SectionName).Get<SiloSettings>() ?? new()).Kubernetes)
        {
            return null;
        }

        var pod = configuration.Get<KubernetesPodSettings>() ?? new();
        var missing = new[]
        {
            (KubernetesHostingOptions.PodNameEnvironmentVariable, pod.Name),
            (KubernetesHostingOptions.PodNamespaceEnvironmentVariable, pod.Namespace),
            (KubernetesHostingOptions.PodIPEnvironmentVariable, pod.IP),
        }.Where(v => string.IsNullOrWhiteSpace(v.Item2)).Select(v => v.Item1).ToArray();
        if (missing.Length > 0)
        {
            throw new EngineStartupException(
                $"Silo:Kubernetes is set but {string.Join(", ", missing)} is not; set POD_NAME, POD_NAMESPACE and POD_IP from the pod " +
                "(fieldRef metadata.name, metadata.namespace, status.podIP) as deploy/k8s/silo.yaml does.");
        }

        if (!IPAddress.TryParse(pod.IP, out var address))
        {
            throw new EngineStartupException($"POD_IP must be the pod's IP address (fieldRef status.podIP), not '{pod.IP}'.");
        }

        Agree(KubernetesHostingOptions.ServiceIdEnvironmentVariable, pod.ServiceId, "Orleans:ServiceId", cluster.ServiceId);
        Agree(KubernetesHostingOptions.ClusterIdEnvironmentVariable, pod.ClusterId, "Orleans:ClusterId", cluster.ClusterId);
        Agree("Orleans:SiloName", cluster.SiloName, KubernetesHostingOptions.PodNameEnvironmentVariable, pod.Name!);
        Agree("Orleans:AdvertisedIPAddress", configuration[$"{ClusterSettings.SectionName}:{nameof(ClusterSettings.AdvertisedIPAddress)}"],
            KubernetesHostingOptions.PodIPEnvironmentVariable, pod.IP!);
        return new KubernetesPod(pod.Name!, address);
    }

    /// <summary>Adds Orleans' Kubernetes hosting, once it is sure to find the API server.</summary>
    public static void UseKubernetesHosting(ISiloBuilder silo)
    {
        // Without this check the package fails only once the silo starts, with a stack trace.
        if (!KubernetesClientConfiguration.IsInCluster())
        {
            throw new EngineStartupException(
                "Silo:Kubernetes is set but this process is not in a Kubernetes pod (no KUBERNETES_SERVICE_HOST or service account token); " +
                "unset it outside Kubernetes.");
        }

        silo.UseKubernetesHosting();
    }

    // A setting given twice must say the same thing; unset is fine.
    private static void Agree(string setting, string? value, string other, string expected)
    {
        if (value is { Length: > 0 } && !string.Equals(value, expected, StringComparison.Ordinal))
        {
            throw new EngineStartupException($"{setting} is '{value}' but {other} is '{expected}'; with Silo:Kubernetes they must agree (or leave {setting} unset).");
        }
    }
}
