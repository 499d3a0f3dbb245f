using System.Net;
using Engine.Grains.Hosting;
using Microsoft.Extensions.Configuration;

namespace Engine.Grains.Tests.Hosting;

/// <summary>What a silo makes of its pod's variables with Silo:Kubernetes, and what stops it.</summary>
public sealed class KubernetesPodTests
{
    private static readonly Dictionary<string, string?> Pod = new()
    {
        ["Silo:Kubernetes"] = "true",
        ["POD_NAME"] = "engine-silo-7f9c-q2x8z",
        ["POD_NAMESPACE"] = "engine",
        ["POD_IP"] = "10.1.2.3",
        ["ORLEANS_SERVICE_ID"] = "engine",
        ["ORLEANS_CLUSTER_ID"] = "engine",
    };

    [Fact]
    public void Read_WithoutSiloKubernetes_IsNull_WhateverThePodSays()
    {
        var pod = Read(new() { ["Silo:Kubernetes"] = null });

        Assert.Null(pod);
    }

    [Fact]
    public void Read_NamesTheSiloAfterItsPod_AndAdvertisesThePodAddress()
    {
        var pod = Read([]);

        Assert.Equal(new KubernetesPod("engine-silo-7f9c-q2x8z", IPAddress.Parse("10.1.2.3")), pod);
    }

    [Fact]
    public void Read_WithoutThePodVariables_NamesEachMissingOne()
    {
        var error = Assert.Throws<EngineStartupException>(() => Read(new() { ["POD_NAMESPACE"] = null, ["POD_IP"] = "" }));

        Assert.StartsWith("Silo:Kubernetes is set but POD_NAMESPACE, POD_IP is not", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ORLEANS_CLUSTER_ID", "blue", "ORLEANS_CLUSTER_ID is 'blue' but Orleans:ClusterId is 'engine'")]
    [InlineData("ORLEANS_SERVICE_ID", "other", "ORLEANS_SERVICE_ID is 'other' but Orleans:ServiceId is 'engine'")]
    [InlineData("Orleans:SiloName", "silo-1", "Orleans:SiloName is 'silo-1' but POD_NAME is 'engine-silo-7f9c-q2x8z'")]
    [InlineData("Orleans:AdvertisedIPAddress", "10.9.9.9", "Orleans:AdvertisedIPAddress is '10.9.9.9' but POD_IP is '10.1.2.3'")]
    [InlineData("POD_IP", "engine-silo", "POD_IP must be the pod's IP address")]
    public void Read_WhenThePodAndTheSettingsDisagree_StopsTheSilo_NamingBoth(string key, string value, string message)
    {
        var error = Assert.Throws<EngineStartupException>(() => Read(new() { [key] = value }));

        Assert.StartsWith(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Read_WithoutTheLabelVariables_TakesTheConfiguredIdentity()
    {
        var pod = Read(new() { ["ORLEANS_SERVICE_ID"] = null, ["ORLEANS_CLUSTER_ID"] = null });

        Assert.NotNull(pod);
    }

    private static KubernetesPod? Read(Dictionary<string, string?> changes)
    {
        var settings = new Dictionary<string, string?>(Pod);
        foreach (var (key, value) in changes)
        {
            settings[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return KubernetesPod.Read(configuration, configuration.GetSection(ClusterSettings.SectionName).Get<ClusterSettings>() ?? new());
    }
}
