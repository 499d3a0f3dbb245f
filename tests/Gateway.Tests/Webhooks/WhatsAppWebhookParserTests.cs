using System.Text;
using Engine.Gateway.Webhooks;
using Engine.Grains.Abstractions.Messages;

namespace Engine.Gateway.Tests.Webhooks;

public sealed class WhatsAppWebhookParserTests
{
    [Fact]
    public void Parse_SeveralEntriesChangesAndTypes_ReadsThemAll()
    {
        var json = WhatsAppPayloads.Notification("111", [
            WhatsAppPayloads.Change("111", contacts: [("16505551234", "Ana Lima")], messages: [
                WhatsAppPayloads.Text("16505551234", "wamid.A", "Hi there"),
                """{"from":"16505551234","id":"wamid.B","timestamp":"1700000001","type":"image","image":{"id":"m1","mime_type":"image/jpeg","caption":"the car"}}""",
            ]),
            WhatsAppPayloads.Change("111", messages: [
                """{"from":"447911123456","id":"wamid.C","timestamp":"1700000002","type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"b1","title":"Book a visit"}}}""",
                """{"from":"447911123456","id":"wamid.D","timestamp":"1700000003","type":"hologram","hologram":{"x":1}}""",
            ], statuses: [
                """{"id":"wamid.OUT1","status":"delivered","timestamp":"1700000004","recipient_id":"447911123456"}""",
                """{"id":"wamid.OUT2","status":"failed","timestamp":"1700000005","recipient_id":"447911123456","errors":[{"code":131050,"title":"stopped marketing"}]}""",
                """{"id":"wamid.OUT3","status":"deleted","timestamp":"1700000006","recipient_id":"447911123456"}""",
            ]),
        ]);

        var (notification, error) = WhatsAppWebhook.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Null(error);
        Assert.Equal(["wamid.A", "wamid.B", "wamid.C", "wamid.D"], notification!.Messages.Select(m => m.MessageId));
        Assert.Equal(["text", "image", "interactive", "hologram"], notification.Messages.Select(m => m.Type));
        Assert.Equal(["Hi there", "the car", "Book a visit", null], notification.Messages.Select(m => m.Body));
        Assert.Equal("Ana Lima", notification.Messages[0].ProfileName);
        Assert.Equal("+16505551234", notification.Messages[0].LeadPhone);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), notification.Messages[0].SentAt);
        Assert.Equal([(DeliveryStatus.Delivered, null), (DeliveryStatus.Failed, "131050")], notification.Statuses.Select(s => (s.Status, s.ErrorCode)));
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("""{"object":"whatsapp_business_account"}""", "'entry'")]
    [InlineData("""{"entry":[{"changes":[{"field":"messages","value":{"messages":[]}}]}]}""", "phone_number_id")]
    [InlineData("""{"entry":[{"changes":[{"value":{"metadata":{"phone_number_id":"1"},"messages":[{"id":"x"}]}}]}]}""", "'from'")]
    public void Parse_Malformed_SaysWhy(string json, string reason)
    {
        var (notification, error) = WhatsAppWebhook.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Null(notification);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }
}
