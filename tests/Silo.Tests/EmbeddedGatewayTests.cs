using Engine.Gateway.Grpc.V1;
using Engine.TestSupport;
using Grpc.Core;
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
        Assert.Contains("encrypted with a THROWAWAY key-encryption key made up for this run", gateway.Output, StringComparison.Ordinal);

        // The service is built from the embedded stores before it checks the key, so a missing
        // store would fail here with something other than UNAUTHENTICATED.
        var rejected = await Assert.ThrowsAsync<RpcException>(() => new WebhookService.WebhookServiceClient(channel)
            .ListRejectedWebhooksAsync(new ListRejectedWebhooksRequest { TenantId = "acme" }).ResponseAsync);
        Assert.Equal(StatusCode.Unauthenticated, rejected.StatusCode);
    }
}
