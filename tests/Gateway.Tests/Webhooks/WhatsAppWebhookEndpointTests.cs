using Engine.TestSupport;
using System.Net;
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
            "SELECT provider_message_id, lead_phone, channel, provider, message_type, body FROM message_log WHERE tenant_id = $1 ORDER BY provider_message_id", tenant.Id);
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
        var json = WhatsAppPayloads.Notification("waba", [WhatsAppPayloads.Change(tenant.PhoneNumberId, messages: [WhatsAppPayloads.Text("16505551234", "wamid.bad", "STOP")])]);

        var response = await fixture.Http.SendAsync(Signed.Meta(tenant, json, signatureOverride: "sha256=" + new string('0', 64)));

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal(0, await fixture.Database.CountAsync("SELECT count(*) FROM message_log WHERE tenant_id = $1", tenant.Id));
    }

    [Fact]
    public async Task MalformedJson_Is400_WithTheReason()
    {
        var tenant = await fixture.CreateTenantAsync();

        var response = await fixture.Http.SendAsync(Signed.Meta(tenant, """{"entry": [{"changes": [{"value": {"messages": []}}]}]}"""));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("phone_number_id", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
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
