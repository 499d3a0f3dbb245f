using System.Text.Json;
using Engine.Gateway.Grpc.V1;
using Engine.Simulator;

namespace Engine.Gateway.Tests.Webhooks;

/// <summary>Media from a signed provider webhook to the message log, GetConversation and the event.</summary>
[Collection(GatewayCollection.Name)]
public sealed class MediaRoundTripTests(GatewayFixture fixture)
{
    [Fact]
    public async Task TwilioMms_IsShownByGetConversation_AndCarriedByItsEvent()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = "+12125557001";
        var picture = new SignedInboundWebhooks.Attachment("https://api.twilio.com/2010-04-01/Accounts/AC1/Messages/MM1/Media/ME1", "image/png");
        using var request = SignedInboundWebhooks.Twilio($"{fixture.PublicBaseUrl}/webhooks/twilio/{tenant.Id}", "AC" + new string('7', 32), tenant.TwilioAuthToken,
            "+14155550100", phone, "look at this", picture);

        (await fixture.Http.SendAsync(request)).EnsureSuccessStatusCode();

        var message = await ReceivedAsync(tenant, phone, Channel.Sms);
        Assert.Equal("media", message.MessageType);
        Assert.Equal(new MediaAttachment { Url = picture.Url, ContentType = "image/png" }, Assert.Single(message.Media));
        var media = await EventMediaAsync(tenant);
        Assert.Equal(picture.Url, media.GetProperty("url").GetString());
        Assert.Equal("image/png", media.GetProperty("contentType").GetString());
    }

    [Fact]
    public async Task WhatsAppDocument_IsShownByGetConversation_AndCarriedByItsEvent()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = "+12125557002";
        using var request = SignedInboundWebhooks.WhatsApp($"{fixture.PublicBaseUrl}/webhooks/whatsapp/{tenant.Id}", tenant.PhoneNumberId, tenant.MetaAppSecret,
            phone, "the signed offer", new SignedInboundWebhooks.Attachment("https://files.example/offer.pdf", "application/pdf"));

        (await fixture.Http.SendAsync(request)).EnsureSuccessStatusCode();

        var message = await ReceivedAsync(tenant, phone, Channel.Whatsapp);
        Assert.Equal("document", message.MessageType);
        var attachment = Assert.Single(message.Media);
        Assert.Equal(("application/pdf", "the signed offer", ""), (attachment.ContentType, attachment.Caption, attachment.Url));
        Assert.NotEmpty(attachment.ProviderMediaId);
        Assert.NotEmpty(attachment.Sha256);
        var media = await EventMediaAsync(tenant);
        Assert.Equal(attachment.ProviderMediaId, media.GetProperty("providerMediaId").GetString());
        Assert.Equal(attachment.Sha256, media.GetProperty("sha256").GetString());
    }

    private async Task<Message> ReceivedAsync(TestTenant tenant, string phone, Channel channel)
    {
        var conversation = await new ConversationService.ConversationServiceClient(fixture.Grpc).GetConversationAsync(
            new GetConversationRequest { TenantId = tenant.Id, Phone = phone, Channel = channel }, fixture.AdminAuth);
        return Assert.Single(conversation.Messages);
    }

    private async Task<JsonElement> EventMediaAsync(TestTenant tenant)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        using var call = new EventService.EventServiceClient(fixture.Grpc).Subscribe(
            new SubscribeRequest { TenantId = tenant.Id, EventTypes = { "message.received" } }, fixture.AdminAuth, cancellationToken: cancel.Token);
        Assert.True(await call.ResponseStream.MoveNext(cancel.Token));
        var data = JsonDocument.Parse(call.ResponseStream.Current.CloudEvent).RootElement.GetProperty("data");
        return Assert.Single(data.GetProperty("media").EnumerateArray().ToArray());
    }
}
