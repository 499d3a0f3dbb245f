using System.Text;
using System.Text.Json;
using Engine.Gateway.Webhooks;
using Engine.Grains.Abstractions.Leads;
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
        Assert.Equal(new LeadIdentity("+16505551234"), notification.Messages[0].Lead);
        Assert.Equal(DateTimeOffset.FromUnixTimeSeconds(1700000000), notification.Messages[0].SentAt);
        Assert.Equal([(DeliveryStatus.Delivered, null), (DeliveryStatus.Failed, "131050")], notification.Statuses.Select(s => (s.Status, s.ErrorCode)));
        Assert.Empty(notification.Invalid);
    }

    [Theory]
    [InlineData("""{"from_user_id":"US.13491208655302741918","id":"wamid.X","type":"text","text":{"body":"hi"}}""",
        null, "US.13491208655302741918", null, "ana.lima")]
    [InlineData("""{"from":"US.13491208655302741918","id":"wamid.X","type":"text","text":{"body":"hi"}}""",
        null, "US.13491208655302741918", null, "ana.lima")]
    [InlineData("""{"from":"16505551234","from_user_id":"US.13491208655302741918","id":"wamid.X","type":"text","text":{"body":"hi"}}""",
        "+16505551234", "US.13491208655302741918", null, "ana.lima")]
    [InlineData("""{"from_parent_user_id":"US.ENT.5678","id":"wamid.X","type":"text","text":{"body":"hi"}}""",
        null, "US.13491208655302741918", "US.ENT.5678", "ana.lima")]
    public void Parse_UsernameUser_ReadsEveryIdentityTheItemAndItsContactCarry(string message, string? phone, string? userId, string? parentId, string? username)
    {
        var contact = """{"profile":{"name":"Ana","username":"@ana.lima"},"user_id":"US.13491208655302741918"}""";
        var json = $$$"""{"entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"111"},"contacts":[{{{contact}}}],"messages":[{{{message}}}]}}]}]}""";

        var (notification, _) = WhatsAppWebhook.Parse(Encoding.UTF8.GetBytes(json));

        var parsed = Assert.Single(notification!.Messages);
        Assert.Equal(new LeadIdentity(phone, userId, parentId, username), parsed.Lead);
        Assert.Equal("Ana", parsed.ProfileName);
    }

    [Theory]
    [InlineData("not json", "not valid JSON")]
    [InlineData("[1, 2]", "'entry'")]
    [InlineData("""{"object":"whatsapp_business_account"}""", "'entry'")]
    [InlineData("""{"object":"whatsapp_business_account","entry":{"id":"1"}}""", "'entry'")]
    public void Parse_BodyThatIsNotANotification_IsAnError_SayingWhy(string json, string reason)
    {
        var (notification, error) = WhatsAppWebhook.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Null(notification);
        Assert.Contains(reason, error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"id":"wamid.X","timestamp":"1700000000","type":"text","text":{"body":"hi"}}""",
        "missing_from", "messages[].from is missing and the item names no user id")]
    [InlineData("""{"from":"","id":"wamid.X","type":"text","text":{"body":"hi"}}""",
        "missing_from", "messages[].from is missing and the item names no user id")]
    [InlineData("""{"from_user_id":"not an id","id":"wamid.X","type":"text","text":{"body":"hi"}}""",
        "invalid_user_id", "'not an id' is not a WhatsApp business-scoped user id")]
    [InlineData("""{"from":"123","id":"wamid.X","type":"text","text":{"body":"hi"}}""",
        "invalid_from", "messages[].from: '+123'")]
    [InlineData("""{"from":"16505551234","type":"text","text":{"body":"hi"}}""",
        "missing_id", "messages[].id is missing")]
    [InlineData("\"just a string\"", "not_an_object", "messages[] holds something other than an object")]
    public void Parse_InvalidMessage_IsReturnedAsInvalid_BesideTheGoodOne(string bad, string code, string reason)
    {
        var json = WhatsAppPayloads.Notification("111", [WhatsAppPayloads.Change("111", messages: [
            WhatsAppPayloads.Text("16505551234", "wamid.GOOD", "still here"), bad,
        ])]);

        var (notification, error) = WhatsAppWebhook.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Null(error);
        Assert.Equal("wamid.GOOD", Assert.Single(notification!.Messages).MessageId);
        var invalid = Assert.Single(notification.Invalid);
        Assert.Equal("111", invalid.PhoneNumberId);
        Assert.Equal((WhatsAppWebhook.MessageKind, code), (invalid.Item.Kind, invalid.Item.Code));
        Assert.StartsWith(reason, invalid.Item.Reason, StringComparison.Ordinal);
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(bad).RootElement, JsonDocument.Parse(invalid.Item.Raw).RootElement));
    }

    [Theory]
    [InlineData("""{"id":"wamid.OUT","status":"delivered","timestamp":"1700000004"}""", "missing_recipient_id", "statuses[].recipient_id is missing")]
    [InlineData("""{"id":"wamid.OUT","status":"read","recipient_id":"not-a-number"}""", "invalid_recipient_id", "statuses[].recipient_id: ")]
    [InlineData("""{"status":"sent","recipient_id":"16505551234"}""", "missing_id", "statuses[].id is missing")]
    [InlineData("""{"id":"wamid.OUT","recipient_id":"16505551234"}""", "missing_status", "statuses[].status is missing")]
    public void Parse_InvalidStatus_IsReturnedAsInvalid_BesideTheGoodOne(string bad, string code, string reason)
    {
        var json = WhatsAppPayloads.Notification("111", [WhatsAppPayloads.Change("111", statuses: [
            bad, """{"id":"wamid.GOOD","status":"read","timestamp":"1700000004","recipient_id":"16505551234"}""",
        ])]);

        var (notification, _) = WhatsAppWebhook.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Equal("wamid.GOOD", Assert.Single(notification!.Statuses).MessageId);
        var invalid = Assert.Single(notification.Invalid);
        Assert.Equal((WhatsAppWebhook.StatusKind, code), (invalid.Item.Kind, invalid.Item.Code));
        Assert.StartsWith(reason, invalid.Item.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public void Parse_ChangeWithoutPhoneNumberId_MakesEachOfItsItemsInvalid_AndLeavesOtherChangesAlone()
    {
        var json = WhatsAppPayloads.Notification("111", [
            """{"field":"messages","value":{"messages":[{"from":"16505551234","id":"wamid.1","type":"text","text":{"body":"a"}}],"statuses":[{"id":"wamid.2","status":"sent","recipient_id":"16505551234"}]}}""",
            WhatsAppPayloads.Change("111", messages: [WhatsAppPayloads.Text("16505551234", "wamid.3", "b")]),
        ]);

        var (notification, _) = WhatsAppWebhook.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Equal("wamid.3", Assert.Single(notification!.Messages).MessageId);
        Assert.Equal(
            [(null, "message", "no_phone_number_id"), (null, "status", "no_phone_number_id")],
            notification.Invalid.Select(i => (i.PhoneNumberId, i.Item.Kind, i.Item.Code)));
        Assert.All(notification.Invalid, i => Assert.Equal("the change has no metadata.phone_number_id", i.Item.Reason));
    }

    [Fact]
    public void Parse_UntrackedStatus_IsIgnored_EvenWithoutARecipient()
    {
        var json = WhatsAppPayloads.Notification("111", [WhatsAppPayloads.Change("111", statuses: ["""{"id":"wamid.OUT","status":"deleted"}"""])]);

        var (notification, _) = WhatsAppWebhook.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Empty(notification!.Statuses);
        Assert.Empty(notification.Invalid);
    }

    [Fact]
    public void Parse_OddShapes_NeverThrow()
    {
        var json = """
            {"entry":[1, "x", {"changes":[2, {"field":"messages","value":{
              "metadata":{"phone_number_id":"111"},
              "contacts":[{"wa_id":"16505551234","profile":{"name":"Ana"}},{"wa_id":"16505551234","profile":{"name":"Ana again"}}, 3],
              "messages":[{"from":"16505551234","id":"wamid.1","type":"interactive","interactive":"not an object"}],
              "statuses":[{"id":"wamid.2","status":"failed","recipient_id":"16505551234","errors":[7, {"code":131026}]}]}}]}]}
            """;

        var (notification, error) = WhatsAppWebhook.Parse(Encoding.UTF8.GetBytes(json));

        Assert.Null(error);
        var message = Assert.Single(notification!.Messages);
        Assert.Equal(("Ana", null), (message.ProfileName, message.Body));
        Assert.Equal("131026", Assert.Single(notification.Statuses).ErrorCode);
        Assert.Empty(notification.Invalid);
    }
}
