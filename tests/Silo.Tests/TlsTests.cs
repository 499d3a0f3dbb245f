using System.Net;
using Engine.Gateway.Grpc.V1;
using Engine.TestSupport;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Engine.Silo.Tests;

/// <summary>The gateway terminating TLS itself, from Kestrel's standard Kestrel:Endpoints settings.</summary>
public sealed class TlsTests
{
    private const string AdminKey = "tls-admin-key";

    [Fact]
    public async Task Gateway_WithKestrelEndpoints_ServesWebhooksOverHttps1_AndGrpcOverHttps2()
    {
        using var certificate = new TestCertificate();
        var (webhookPort, grpcPort) = (FreePorts.Next(), FreePorts.Next());
        await using var gateway = EngineProcess.Start("Gateway", new Dictionary<string, string>
        {
            ["Kestrel__Endpoints__Webhooks__Url"] = $"https://127.0.0.1:{webhookPort}",
            ["Kestrel__Endpoints__Webhooks__Protocols"] = "Http1",
            ["Kestrel__Endpoints__Webhooks__Certificate__Path"] = certificate.CertificatePath,
            ["Kestrel__Endpoints__Webhooks__Certificate__KeyPath"] = certificate.KeyPath,
            ["Kestrel__Endpoints__Grpc__Url"] = $"https://127.0.0.1:{grpcPort}",
            ["Kestrel__Endpoints__Grpc__Protocols"] = "Http2",
            ["Kestrel__Endpoints__Grpc__Certificate__Path"] = certificate.CertificatePath,
            ["Kestrel__Endpoints__Grpc__Certificate__KeyPath"] = certificate.KeyPath,
            ["Engine__AdminApiKey"] = AdminKey,
            ["Engine__PublicBaseUrl"] = $"https://127.0.0.1:{webhookPort}",
            ["Providers__Twilio__BaseUrl"] = "http://127.0.0.1:9", // nothing is sent here
            ["Providers__WhatsApp__BaseUrl"] = "http://127.0.0.1:9",
            ["Orleans__SiloPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var channel = GrpcChannel.ForAddress($"https://127.0.0.1:{grpcPort}", new GrpcChannelOptions { HttpHandler = certificate.TrustingHandler() });
        using var https = new HttpClient(certificate.TrustingHandler()) { BaseAddress = new Uri($"https://127.0.0.1:{webhookPort}") };
        await Eventually.GetAsync(async () => (await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2))).Status,
            s => s == HealthCheckResponse.Types.ServingStatus.Serving, TimeSpan.FromSeconds(60), $"gRPC health SERVING over TLS\n{gateway.Output}");

        await new TenantService.TenantServiceClient(channel).CreateTenantAsync(new CreateTenantRequest
        {
            TenantId = "tls",
            Settings = new TenantSettings
            {
                DisplayName = "TLS Homes",
                Whatsapp = new WhatsAppChannel { PhoneNumberId = "1098765432", AccessToken = "wa-token", AppSecret = "app-secret", VerifyToken = "verify-me" },
            },
        }, new Metadata { { "authorization", $"Bearer {AdminKey}" } });
        using var verification = await https.GetAsync(new Uri("/webhooks/whatsapp/tls?hub.mode=subscribe&hub.verify_token=verify-me&hub.challenge=4711", UriKind.Relative));
        using var ready = await https.GetAsync(new Uri("/readyz", UriKind.Relative));

        Assert.Equal((HttpStatusCode.OK, "4711"), (verification.StatusCode, await verification.Content.ReadAsStringAsync()));
        Assert.Equal(HttpVersion.Version11, verification.Version);
        Assert.Equal(HttpStatusCode.OK, ready.StatusCode);
        using var cleartext = new HttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => cleartext.GetAsync(new Uri($"http://127.0.0.1:{webhookPort}/healthz")));
    }
}
