using System.Text.Json;
using Engine.Gateway.Grpc.V1;
using Engine.Gateway.Tests.Webhooks;
using Engine.Grains.Events;
using Engine.TestSupport;

namespace Engine.Gateway.Tests.Events;

/// <summary>Partner webhooks against a real local HTTP receiver that fails on purpose.</summary>
[Collection(GatewayCollection.Name)]
public sealed class PartnerWebhookTests(GatewayFixture fixture)
{
    private PartnerWebhookService.PartnerWebhookServiceClient Webhooks => new(fixture.Grpc);

    [Fact]
    public async Task FailingPartner_IsRetried_UntilItAccepts_InOrder_AndTheStandardWebhooksPackageVerifiesEachDelivery()
    {
        await using var partner = await PartnerServer.StartAsync(failFirst: 2);
        var tenant = await fixture.CreateTenantAsync();
        var created = await Webhooks.CreateSubscriptionAsync(new CreateSubscriptionRequest { TenantId = tenant.Id, Url = partner.Url }, fixture.AdminAuth);

        await SendInboundAsync(tenant, "+12125556001", "Hello from a partner test");
        var accepted = await Eventually.GetAsync(() => Task.FromResult(partner.Received.Where(r => r.Status == 204).ToArray()),
            r => r.Length >= 2, TimeSpan.FromSeconds(30), "both events delivered");

        Assert.True(partner.Received.Count(r => r.Status == 500) == 2);
        var types = accepted.Select(r => JsonDocument.Parse(r.Body).RootElement.GetProperty("type").GetString()).ToArray();
        Assert.Equal(["lead.created", "message.received"], types);
        var cursors = accepted.Select(r => long.Parse(JsonDocument.Parse(r.Body).RootElement.GetProperty("cursor").GetString()!, System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        Assert.Equal(cursors.Order(), cursors);
        Assert.StartsWith("whsec_", created.Secret, StringComparison.Ordinal);
        Assert.All(accepted, r => Assert.Equal(JsonDocument.Parse(r.Body).RootElement.GetProperty("id").GetString(), r.WebhookId));
        Assert.All(partner.Received.Where(r => r.Status == 500), r => Assert.Equal(accepted[0].WebhookId, r.WebhookId)); // retries keep the id
        foreach (var delivery in accepted)
        {
            Assert.Equal("ok", await StandardWebhooksPackage.VerifyAsync(created.Secret, delivery.Headers, delivery.Body));
        }

        Assert.Equal("WebhookVerificationError: No matching signature found",
            await StandardWebhooksPackage.VerifyAsync(StandardWebhookSignature.NewSecret(), accepted[0].Headers, accepted[0].Body));
        Assert.Equal("WebhookVerificationError: No matching signature found",
            await StandardWebhooksPackage.VerifyAsync(created.Secret, accepted[0].Headers, accepted[0].Body + " "));
    }

    [Fact]
    public async Task DeadPartner_EventsAreParked_AfterTheRetryWindow_AndListed_WithoutItsResponseBody()
    {
        await using var partner = await PartnerServer.StartAsync(failFirst: int.MaxValue, failureBody: "db password: hunter2");
        var tenant = await fixture.CreateTenantAsync();
        await Webhooks.CreateSubscriptionAsync(new CreateSubscriptionRequest { TenantId = tenant.Id, Url = partner.Url, EventTypes = { "message.received" } }, fixture.AdminAuth);

        await SendInboundAsync(tenant, "+12125556002", "nobody is listening");
        var letters = await Eventually.GetAsync(
            async () => (await Webhooks.ListDeadLettersAsync(new ListDeadLettersRequest { TenantId = tenant.Id }, fixture.AdminAuth)).DeadLetters,
            l => l.Count == 1, TimeSpan.FromSeconds(40), "the event to be parked");

        Assert.Equal("message.received", letters[0].EventType);
        Assert.True(letters[0].Attempts >= 2);
        Assert.Equal("HTTP 500 Internal Server Error", letters[0].LastError);
        var subscription = (await Webhooks.ListSubscriptionsAsync(new ListSubscriptionsRequest { TenantId = tenant.Id }, fixture.AdminAuth)).Subscriptions.Single();
        Assert.True(subscription.DeliveredUpTo >= letters[0].Cursor); // delivery moved on past it
        Assert.Equal("HTTP 500 Internal Server Error", subscription.LastError);
    }

    [Fact]
    public async Task Subscription_WithABadUrl_IsInvalidArgument()
    {
        var tenant = await fixture.CreateTenantAsync();

        await Engine.Gateway.Tests.Grpc.GrpcAssert.FailsWithAsync(global::Grpc.Core.StatusCode.InvalidArgument,
            () => Webhooks.CreateSubscriptionAsync(new CreateSubscriptionRequest { TenantId = tenant.Id, Url = "ftp://example" }, fixture.AdminAuth).ResponseAsync, "url:");
    }

    private async Task SendInboundAsync(TestTenant tenant, string phone, string body)
    {
        var response = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", Signed.TwilioInbound($"SM{Guid.NewGuid():N}", phone, body)));
        response.EnsureSuccessStatusCode();
    }
}
