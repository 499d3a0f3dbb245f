using System.Text;
using Engine.Gateway.Webhooks;
using Engine.Grains.Abstractions.Messages;

namespace Engine.Gateway.Tests.Webhooks;

public sealed class MediaParsingTests
{
    [Fact]
    public void TwilioInbound_WithTwoMedia_KeepsEachUrlAndContentType_InOrder()
    {
        var form = Form(Signed.TwilioInbound("MM1", "+12125550101", "two pictures"),
            ("NumMedia", "2"), ("MediaUrl0", "https://api.twilio.com/m/ME0"), ("MediaContentType0", "image/jpeg"),
            ("MediaUrl1", "https://api.twilio.com/m/ME1"), ("MediaContentType1", "application/pdf"));

        var (message, invalid) = TwilioWebhook.ParseInbound(form);

        Assert.Null(invalid);
        Assert.Equal("media", message!.MessageType);
        Assert.Equal([new MediaAttachment("https://api.twilio.com/m/ME0", "image/jpeg"), new MediaAttachment("https://api.twilio.com/m/ME1", "application/pdf")], message.Media);
    }

    [Fact]
    public void TwilioInbound_WithoutMedia_HasNone()
    {
        var (message, _) = TwilioWebhook.ParseInbound(Form(Signed.TwilioInbound("SM1", "+12125550101", "hello")));

        Assert.Equal("text", message!.MessageType);
        Assert.Empty(message.Media);
    }

    [Fact]
    public void WhatsAppInbound_MediaTypes_KeepIdMimeTypeCaptionSha256AndFilename()
    {
        var json = WhatsAppPayloads.Notification("111", [WhatsAppPayloads.Change("111", messages: [
            """{"from":"16505551234","id":"wamid.I","timestamp":"1700000001","type":"image","image":{"id":"m1","mime_type":"image/jpeg","sha256":"c2hh","caption":"the car"}}""",
            """{"from":"16505551234","id":"wamid.D","timestamp":"1700000002","type":"document","document":{"id":"m2","mime_type":"application/pdf","sha256":"ZG9j","filename":"offer.pdf","caption":"signed"}}""",
            """{"from":"16505551234","id":"wamid.A","timestamp":"1700000003","type":"audio","audio":{"id":"m3","mime_type":"audio/ogg; codecs=opus","sha256":"YXVk","voice":true}}""",
            """{"from":"16505551234","id":"wamid.S","timestamp":"1700000004","type":"sticker","sticker":{"id":"m4","mime_type":"image/webp","sha256":"c3Rp","animated":false}}""",
            WhatsAppPayloads.Text("16505551234", "wamid.T", "plain text"),
        ])]);

        var (notification, error) = WhatsAppWebhook.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Null(error);
        Assert.Equal(
            [
                [new MediaAttachment(null, "image/jpeg", "m1", "the car", "c2hh")],
                [new MediaAttachment(null, "application/pdf", "m2", "signed", "ZG9j", "offer.pdf")],
                [new MediaAttachment(null, "audio/ogg; codecs=opus", "m3", Sha256: "YXVk")],
                [new MediaAttachment(null, "image/webp", "m4", Sha256: "c3Rp")],
                [],
            ],
            notification!.Messages.Select(m => m.Media.ToArray()));
        Assert.Equal(["the car", "signed", null, null, "plain text"], notification.Messages.Select(m => m.Body));
    }

    private static Dictionary<string, string> Form(IEnumerable<KeyValuePair<string, string>> fields, params (string Name, string Value)[] overrides)
    {
        var form = fields.ToDictionary(f => f.Key, f => f.Value);
        foreach (var (name, value) in overrides)
        {
            form[name] = value;
        }

        return form;
    }
}
