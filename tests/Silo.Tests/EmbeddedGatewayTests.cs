using Engine.TestSupport;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Engine.Silo.Tests;

public sealed class EmbeddedGatewayTests
{
    [Fact]
    public async Task Gateway_WithNothingConfigured_ServesWithin30Seconds_AndWarnsNothingIsDurable()
    {
        var grpcPort = FreePorts.Next();
        var started = DateTimeOffset.UtcNow;
        await using var gateway = EngineProcess.Start("Gateway", new Dictionary<string, string>
        {
            ["Gateway__HttpUrl"] = $"http://127.0.0.1:{FreePorts.Next()}",
            ["Gateway__GrpcUrl"] = $"http://127.0.0.1:{grpcPort}",
            ["Orleans__SiloPort"] = FreePorts.Next().ToString(),
            ["Orleans__GatewayPort"] = FreePorts.Next().ToString(),
        });
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        var health = new Health.HealthClient(channel);

        var status = await Eventually.GetAsync(
            async () => (await health.CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2))).Status,
            s => s == HealthCheckResponse.Types.ServingStatus.Serving, TimeSpan.FromSeconds(30), "gRPC health SERVING");

        Assert.Equal(HealthCheckResponse.Types.ServingStatus.Serving, status);
        Assert.True(DateTimeOffset.UtcNow - started < TimeSpan.FromSeconds(30));
        Assert.Contains("NOTHING IS DURABLE", gateway.Output, StringComparison.Ordinal);
    }
}
