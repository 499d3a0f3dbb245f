using Engine.Gateway.Grpc.V1;
using Engine.Gateway.Tests.Grpc;
using Engine.Gateway.Tests.Webhooks;
using Engine.Grains.Abstractions.Events;
using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Events;
using Engine.TestSupport;
using Grpc.Core;

namespace Engine.Gateway.Tests.Events;

/// <summary>The engine as deployed: partner webhooks may reach public addresses only.</summary>
public sealed class PublicWebhookTargetsFixture : GatewayFixture
{
    public PublicWebhookTargetsFixture() => AllowPrivateWebhookTargets = false;
}

public sealed class WebhookTargetTests(PublicWebhookTargetsFixture fixture) : IClassFixture<PublicWebhookTargetsFixture>
{
    private PartnerWebhookService.PartnerWebhookServiceClient Webhooks => new(fixture.Grpc);

    [Theory]
    [InlineData("http://127.0.0.1:8080/hooks")]
    [InlineData("http://localhost/hooks")]
    [InlineData("https://10.1.2.3/hooks")]
    [InlineData("http://169.254.169.254/latest/meta-data/")]
    [InlineData("http://[::1]/hooks")]
    [InlineData("http://[fd00::7]/hooks")]
    [InlineData("http://100.64.0.9/hooks")]
    public async Task Subscription_ToAnInternalAddress_IsInvalidArgument(string url)
    {
        var tenant = await fixture.CreateTenantAsync();

        await GrpcAssert.FailsWithAsync(StatusCode.InvalidArgument,
            () => Webhooks.CreateSubscriptionAsync(new CreateSubscriptionRequest { TenantId = tenant.Id, Url = url }, fixture.AdminAuth).ResponseAsync, "url:");
        Assert.Empty((await Webhooks.ListSubscriptionsAsync(new ListSubscriptionsRequest { TenantId = tenant.Id }, fixture.AdminAuth)).Subscriptions);
    }

    [Fact]
    public async Task Delivery_ToANameNowPointingInside_IsRefusedAtConnect_AndThePartnerGetsNothing()
    {
        await using var partner = await PartnerServer.StartAsync(failFirst: 0);
        var tenant = await fixture.CreateTenantAsync();
        // Straight on the tenant grain, as if the URL had passed the check and its name was re-pointed since.
        await fixture.Cluster.GetGrain<ITenantGrain>(tenant.Id).AddWebhookSubscriptionAsync(
            new WebhookSubscription("rebound", partner.Url.Replace("127.0.0.1", "localhost", StringComparison.Ordinal), [], StandardWebhookSignature.NewSecret(), DateTimeOffset.UtcNow));

        var response = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}",
            Signed.TwilioInbound($"SM{Guid.NewGuid():N}", "+12125556101", "hello inside")));
        response.EnsureSuccessStatusCode();
        var subscription = await Eventually.GetAsync(
            async () => (await Webhooks.ListSubscriptionsAsync(new ListSubscriptionsRequest { TenantId = tenant.Id }, fixture.AdminAuth)).Subscriptions.Single(),
            s => s.FailedAttempts > 0, TimeSpan.FromSeconds(30), "a failed delivery attempt");

        Assert.Contains("internal addresses", subscription.LastError, StringComparison.Ordinal);
        Assert.Empty(partner.Received);
    }
}
