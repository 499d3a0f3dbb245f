using System.Net;
using System.Text.Json;
using Engine.Gateway.Webhooks;
using Engine.TestSupport;

namespace Engine.Gateway.Tests.Webhooks;

/// <summary>Oversized webhooks are refused before they are read in full, and leave nothing behind.</summary>
[Collection(GatewayCollection.Name)]
public sealed class WebhookBodyLimitTests(GatewayFixture fixture)
{
    [Fact]
    public async Task SignedTwilioInbound_LargerThan64KiB_Is413_AndStoresNothing()
    {
        var tenant = await fixture.CreateTenantAsync();
        var sid = $"SM{Guid.NewGuid():N}";

        var response = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}",
            Signed.TwilioInbound(sid, "+12125556201", new string('x', WebhookBody.TwilioLimit))));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("too_large", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("title").GetString());
        Assert.Equal(0, await fixture.Database.CountAsync("SELECT count(*) FROM message_log WHERE tenant_id = $1", tenant.Id));
        Assert.Empty(await fixture.ListRejectedAsync(tenant));
    }

    [Fact]
    public async Task SignedTwilioInbound_JustUnderTheCap_IsStored()
    {
        var tenant = await fixture.CreateTenantAsync();
        var sid = $"SM{Guid.NewGuid():N}";

        var response = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}",
            Signed.TwilioInbound(sid, "+12125556202", new string('x', WebhookBody.TwilioLimit - 1024))));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task SignedMetaNotification_LargerThan1MiB_Is413_AndStoresNothing()
    {
        var tenant = await fixture.CreateTenantAsync();
        var json = WhatsAppPayloads.Notification("waba", [WhatsAppPayloads.Change(tenant.PhoneNumberId, messages: [
            WhatsAppPayloads.Text("16505556203", $"wamid.{Guid.NewGuid():N}", new string('x', WebhookBody.MetaLimit))])]);

        var response = await fixture.Http.SendAsync(Signed.Meta(tenant, json));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(0, await fixture.Database.CountAsync("SELECT count(*) FROM message_log WHERE tenant_id = $1", tenant.Id));
        Assert.Empty(await fixture.ListRejectedAsync(tenant));
    }

    [Fact]
    public async Task ChunkedTwilioBody_WithoutContentLength_IsCappedWhileReading()
    {
        var tenant = await fixture.CreateTenantAsync();
        var request = new HttpRequestMessage(HttpMethod.Post, $"/webhooks/twilio/{tenant.Id}")
        {
            Content = new StreamContent(new MemoryStream(new byte[WebhookBody.TwilioLimit + 1])) { Headers = { { "Content-Type", "application/x-www-form-urlencoded" } } },
        };
        request.Headers.TransferEncodingChunked = true;

        var response = await fixture.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
    }
}
