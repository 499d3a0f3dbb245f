using Engine.TestSupport;
using System.Net;
using System.Text.Json;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Abstractions.Leads;

namespace Engine.Gateway.Tests.Webhooks;

[Collection(GatewayCollection.Name)]
public sealed class WhatsAppWebhookEndpointTests(GatewayFixture fixture)
{
    [Fact]
    public async Task Verification_EchoesTheChallenge_OnlyForTheRightToken()
    {
        var tenant = await fixture.CreateTenantAsync();

        var ok = await fixture.Http.GetAsync($"/webhooks/whatsapp/{tenant.Id}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token={tenant.VerifyToken}");
        var wrong = await fixture.Http.GetAsync($"/webhooks/whatsapp/{tenant.Id}?hub.mode=subscribe&hub.challenge=1158201444&hub.verify_token=guess");
        var unknown = await fixture.Http.GetAsync("/webhooks/whatsapp/nobody-here?hub.mode=subscribe&hub.challenge=1&hub.verify_token=x");

        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        Assert.Equal("1158201444", await ok.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.Forbidden, wrong.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
    }

    [Fact]
    public async Task Notification_WithSeveralEntriesAndTypes_StoresEachMessageOnce_WithItsType()
    {
        var tenant = await fixture.CreateTenantAsync();
        var id = Guid.NewGuid().ToString("N");
        var json = WhatsAppPayloads.Notification("waba", [
            WhatsAppPayloads.Change(tenant.PhoneNumberId, contacts: [("16505551234", "Ana Lima")], messages: [
                WhatsAppPayloads.Text("16505551234", $"wamid.{id}.1", "Hi, still for sale?"),
                WhatsAppPayloads.Text("16505551234", $"wamid.{id}.1", "Hi, still for sale?"), // Meta repeats ids within one payload
                $$$"""{"from":"16505551234","id":"wamid.{{{id}}}.2","timestamp":"1700000001","type":"location","location":{"latitude":1.5,"longitude":2.5,"name":"Showroom"}}""",
            ]),
            WhatsAppPayloads.Change(tenant.PhoneNumberId, messages: [
                $$$"""{"from":"447911123456","id":"wamid.{{{id}}}.3","timestamp":"1700000002","type":"hologram","hologram":{}}""",
            ]),
            WhatsAppPayloads.Change("some-other-number", messages: [WhatsAppPayloads.Text("16505550000", $"wamid.{id}.4", "not ours")]),
        ]);

        var response = await fixture.Http.SendAsync(Signed.Meta(tenant, json));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rows = await fixture.Database.TextRowsAsync(
            "SELECT provider_message_id, lead_phone, channel, provider, message_type, body_sealed FROM message_log WHERE tenant_id = $1 ORDER BY provider_message_id", tenant.Id);
        Assert.Equal(
        [
            [$"wamid.{id}.1", "+16505551234", "whatsapp", "meta", "text", "Hi, still for sale?"],
            [$"wamid.{id}.2", "+16505551234", "whatsapp", "meta", "location", "Showroom"],
            [$"wamid.{id}.3", "+447911123456", "whatsapp", "meta", "hologram", null],
        ], rows);
        var lead = await fixture.Cluster.GetGrain<ILeadGrain>(GrainKeys.Lead(tenant.Id, "+16505551234")).GetAsync();
        Assert.Equal("Ana Lima", lead.Profile.Name);
    }

    [Fact]
    public async Task BadSignature_Is403_AndStoresNothing()
    {
        var tenant = await fixture.CreateTenantAsync();
        var json = WhatsAppPayloads.Notification("waba", [WhatsAppPayloads.Change(tenant.PhoneNumberId, messages: [
            WhatsAppPayloads.Text("16505551234", "wamid.bad", "STOP"), """{"id":"wamid.nofrom","type":"text"}""",
        ])]);

        var response = await fixture.Http.SendAsync(Signed.Meta(tenant, json, signatureOverride: "sha256=" + new string('0', 64)));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(0, await fixture.Database.CountAsync("SELECT count(*) FROM message_log WHERE tenant_id = $1", tenant.Id));
        Assert.Empty(await fixture.ListRejectedAsync(tenant));
    }

    [Theory]
    [InlineData("{\"entry\": ", "not valid JSON")]
    [InlineData("{\"object\":\"whatsapp_business_account\"}", "'entry'")]
    public async Task BodyThatIsNotANotification_Is400_WithTheReason_AndRecordsNothing(string json, string reason)
    {
        var tenant = await fixture.CreateTenantAsync();

        var response = await fixture.Http.SendAsync(Signed.Meta(tenant, json));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Empty(await fixture.ListRejectedAsync(tenant));
    }

    [Fact]
    public async Task BatchWithOneInvalidItemAndThreeValid_Is200_StoresTheThree_AndRecordsTheOne()
    {
        var tenant = await fixture.CreateTenantAsync();
        using var counter = new WebhookCounter("engine.webhooks.rejected_items");
        var id = Guid.NewGuid().ToString("N");
        var invalid = $$$"""{"id":"wamid.{{{id}}}.nobody","timestamp":"1700000000","type":"text","text":{"body":"from nobody"}}""";
        var json = WhatsAppPayloads.Notification("waba", [WhatsAppPayloads.Change(tenant.PhoneNumberId, messages: [
            WhatsAppPayloads.Text("16505551234", $"wamid.{id}.1", "first"),
            invalid,
            WhatsAppPayloads.Text("16505551235", $"wamid.{id}.2", "second"),
            WhatsAppPayloads.Text("447911123456", $"wamid.{id}.3", "third"),
        ])]);

        var first = await fixture.Http.SendAsync(Signed.Meta(tenant, json));
        var retried = await fixture.Http.SendAsync(Signed.Meta(tenant, json));

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, retried.StatusCode));
        Assert.Equal(
            [[$"wamid.{id}.1", "first"], [$"wamid.{id}.2", "second"], [$"wamid.{id}.3", "third"]],
            await fixture.Database.TextRowsAsync("SELECT provider_message_id, body_sealed FROM message_log WHERE tenant_id = $1 ORDER BY provider_message_id", tenant.Id));
        var rejected = Assert.Single(await fixture.ListRejectedAsync(tenant));
        Assert.Equal(("meta", "message", "missing_from"), (rejected.Provider, rejected.Kind, rejected.Code));
        Assert.Equal("messages[].from is missing and the item names no user id", rejected.Reason);
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(invalid).RootElement, JsonDocument.Parse(rejected.Raw).RootElement));
        Assert.False(rejected.RawTruncated);
        Assert.Equal(2, counter.Count(("provider", "meta"), ("kind", "message"), ("reason", "missing_from")));
    }

    [Fact]
    public async Task BatchWhoseOnlyItemIsInvalid_Is200_AndRecordsIt()
    {
        var tenant = await fixture.CreateTenantAsync();
        var status = """{"id":"wamid.OUT.norecipient","status":"delivered","timestamp":"1700000005"}""";

        var response = await fixture.Http.SendAsync(Signed.Meta(tenant, WhatsAppPayloads.Notification("waba", [WhatsAppPayloads.Change(tenant.PhoneNumberId, statuses: [status])])));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rejected = Assert.Single(await fixture.ListRejectedAsync(tenant));
        Assert.Equal(("status", "missing_recipient_id", "statuses[].recipient_id is missing and the item names no user id"), (rejected.Kind, rejected.Code, rejected.Reason));
        Assert.True(JsonElement.DeepEquals(JsonDocument.Parse(status).RootElement, JsonDocument.Parse(rejected.Raw).RootElement));
    }

    [Fact]
    public async Task ChangeWithoutPhoneNumberId_Is200_AndRecordsItsItems_ButAnotherNumbersInvalidItemsAreNotOurs()
    {
        var tenant = await fixture.CreateTenantAsync();
        var json = WhatsAppPayloads.Notification("waba", [
            """{"field":"messages","value":{"messages":[{"from":"16505551234","id":"wamid.nometa","type":"text","text":{"body":"a"}}]}}""",
            WhatsAppPayloads.Change("some-other-number", messages: ["""{"id":"wamid.elsewhere","type":"text","text":{"body":"b"}}"""]),
        ]);

        var response = await fixture.Http.SendAsync(Signed.Meta(tenant, json));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rejected = Assert.Single(await fixture.ListRejectedAsync(tenant));
        Assert.Equal(("no_phone_number_id", "the change has no metadata.phone_number_id"), (rejected.Code, rejected.Reason));
        Assert.Contains("wamid.nometa", rejected.Raw, StringComparison.Ordinal);
        Assert.Equal(0, await fixture.Database.CountAsync("SELECT count(*) FROM message_log WHERE tenant_id = $1", tenant.Id));
    }

    [Fact]
    public async Task FailedStatusWithStoppedMarketingCode_OptsTheLeadOut()
    {
        var tenant = await fixture.CreateTenantAsync();
        var json = WhatsAppPayloads.Notification("waba", [WhatsAppPayloads.Change(tenant.PhoneNumberId, statuses: [
            """{"id":"wamid.OUT","status":"failed","timestamp":"1700000005","recipient_id":"16505559876","errors":[{"code":131050,"title":"User stopped marketing messages"}]}""",
        ])]);

        var response = await fixture.Http.SendAsync(Signed.Meta(tenant, json));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var lead = await fixture.Cluster.GetGrain<ILeadGrain>(GrainKeys.Lead(tenant.Id, "+16505559876")).GetAsync();
        Assert.Equal(ConsentStatus.OptedOut, lead.ConsentOn(Channel.WhatsApp));
    }
}
