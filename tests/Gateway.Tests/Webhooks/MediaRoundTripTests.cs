using System.Text.Json;
using Engine.Gateway.Grpc.V1;
using Engine.Simulator;
using Engine.TestSupport;

namespace Engine.Gateway.Tests.Webhooks;

/// <summary>
/// Media both ways: from a signed provider webhook to the message log, GetConversation and the event;
/// from SendMessage to what the simulated provider was sent.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class MediaRoundTripTests(GatewayFixture fixture)
{
    private ConversationService.ConversationServiceClient Conversations => new(fixture.Grpc);

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

        await Conversations.SendMessageAsync(new SendMessageRequest
        {
            TenantId = tenant.Id, Phone = phone, Channel = Channel.Sms, Body = "here is the floor plan",
            Media = { new MediaAttachment { Url = "https://cdn.example/plan.png", ContentType = "image/png" }, new MediaAttachment { Url = "https://cdn.example/plan.pdf", ContentType = "application/pdf" } },
        }, fixture.AdminAuth);
        var atTwilio = await SentToAsync(phone);
        Assert.Equal("here is the floor plan", atTwilio.Body);
        Assert.Equal(["https://cdn.example/plan.png", "https://cdn.example/plan.pdf"], atTwilio.MediaUrls!);
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

        await Conversations.SendMessageAsync(new SendMessageRequest
        {
            TenantId = tenant.Id, Phone = phone, Channel = Channel.Whatsapp, Body = "countersigned",
            Media = { new MediaAttachment { Url = "https://cdn.example/offer-signed.jpg", ContentType = "image/jpeg" } },
        }, fixture.AdminAuth);
        var atMeta = await SentToAsync(phone);
        Assert.Equal("countersigned", atMeta.Body); // the caption
        Assert.Equal(["https://cdn.example/offer-signed.jpg"], atMeta.MediaUrls!);
    }

    // Meta shows a document under the name the sender gives it; without one, recipients see a generic name.
    [Fact]
    public async Task WhatsAppDocument_IsSentUnderItsFilename_WhichOnlyADocumentTakes()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = "+12125557005";
        using var inbound = SignedInboundWebhooks.WhatsApp($"{fixture.PublicBaseUrl}/webhooks/whatsapp/{tenant.Id}", tenant.PhoneNumberId, tenant.MetaAppSecret, phone, "send me the lease");
        (await fixture.Http.SendAsync(inbound)).EnsureSuccessStatusCode();
        await ReceivedAsync(tenant, phone, Channel.Whatsapp); // the window is open
        var picture = new SendMessageRequest
        {
            TenantId = tenant.Id, Phone = phone, Channel = Channel.Whatsapp,
            Media = { new MediaAttachment { Url = "https://cdn.example/plan.png", ContentType = "image/png", Filename = "plan.png" } },
        };
        await Engine.Gateway.Tests.Grpc.GrpcAssert.FailsWithAsync(global::Grpc.Core.StatusCode.InvalidArgument,
            () => Conversations.SendMessageAsync(picture, fixture.AdminAuth).ResponseAsync, "media[0].filename:");

        await Conversations.SendMessageAsync(new SendMessageRequest
        {
            TenantId = tenant.Id, Phone = phone, Channel = Channel.Whatsapp, Body = "the lease to sign",
            Media = { new MediaAttachment { Url = "https://cdn.example/l/8f3a", ContentType = "application/pdf", Filename = "Lease - 12 Elm St.pdf" } },
        }, fixture.AdminAuth);

        var atMeta = await SentToAsync(phone);
        Assert.Equal(("the lease to sign", "Lease - 12 Elm St.pdf"), (atMeta.Body, atMeta.MediaFilename));
    }

    [Theory]
    [InlineData("http://cdn.example/a.png", "image/png", 1, "media[0].url")]
    [InlineData("/a.png", "image/png", 1, "media[0].url")]
    [InlineData("https://cdn.example/a.png", "png", 1, "media[0].content_type")]
    [InlineData("https://cdn.example/a.png", "image/png", 11, "media")]
    public async Task SmsMedia_ThatTwilioWouldRefuse_IsInvalidArgument_NamingTheField(string url, string contentType, int count, string field)
    {
        var tenant = await fixture.CreateTenantAsync();
        var request = new SendMessageRequest { TenantId = tenant.Id, Phone = "+12125557003", Channel = Channel.Sms, Body = "x" };
        request.Media.Add(Enumerable.Repeat(new MediaAttachment { Url = url, ContentType = contentType }, count));

        await Engine.Gateway.Tests.Grpc.GrpcAssert.FailsWithAsync(global::Grpc.Core.StatusCode.InvalidArgument,
            () => Conversations.SendMessageAsync(request, fixture.AdminAuth).ResponseAsync, field + ":");
    }

    [Fact]
    public async Task WhatsAppMedia_TwoFiles_OrACaptionedAudio_IsInvalidArgument()
    {
        var tenant = await fixture.CreateTenantAsync();
        var picture = new MediaAttachment { Url = "https://cdn.example/a.png", ContentType = "image/png" };
        var twoFiles = new SendMessageRequest { TenantId = tenant.Id, Phone = "+12125557004", Channel = Channel.Whatsapp, Media = { picture, picture } };
        var captionedAudio = new SendMessageRequest
        {
            TenantId = tenant.Id, Phone = "+12125557004", Channel = Channel.Whatsapp, Body = "listen",
            Media = { new MediaAttachment { Url = "https://cdn.example/a.ogg", ContentType = "audio/ogg" } },
        };

        await Engine.Gateway.Tests.Grpc.GrpcAssert.FailsWithAsync(global::Grpc.Core.StatusCode.InvalidArgument,
            () => Conversations.SendMessageAsync(twoFiles, fixture.AdminAuth).ResponseAsync, "media:");
        await Engine.Gateway.Tests.Grpc.GrpcAssert.FailsWithAsync(global::Grpc.Core.StatusCode.InvalidArgument,
            () => Conversations.SendMessageAsync(captionedAudio, fixture.AdminAuth).ResponseAsync, "body:");
    }

    private async Task<SimulatedMessage> SentToAsync(string phone) => (await Eventually.GetAsync(
        () => Task.FromResult(fixture.Simulator.Simulator.Sent.FirstOrDefault(m => m.To == phone)), m => m is not null, TimeSpan.FromSeconds(30), $"a message to {phone}"))!;

    private async Task<Message> ReceivedAsync(TestTenant tenant, string phone, Channel channel)
    {
        var conversation = await Conversations.GetConversationAsync(
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
