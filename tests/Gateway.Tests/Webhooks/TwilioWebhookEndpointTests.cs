using Engine.TestSupport;
using System.Net;
using System.Text.Json;
using Engine.Simulator;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Storage.Messages;
using Microsoft.Extensions.DependencyInjection;

namespace Engine.Gateway.Tests.Webhooks;

[Collection(GatewayCollection.Name)]
public sealed class TwilioWebhookEndpointTests(GatewayFixture fixture)
{
    [Fact]
    public async Task SignedInbound_IsStored_AndAnsweredWithEmptyTwiml()
    {
        var tenant = await fixture.CreateTenantAsync();
        var sid = NewSid();

        var response = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", Signed.TwilioInbound(sid, "+12125550142", "Is the 2BR still available?")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<Response/>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var rows = await fixture.Database.TextRowsAsync(
            "SELECT lead_phone, channel, direction, provider, body_sealed, status FROM message_log WHERE tenant_id = $1 AND provider_message_id = $2", tenant.Id, sid);
        Assert.Equal([["+12125550142", "sms", "inbound", "twilio", "Is the 2BR still available?", "received"]], rows);
    }

    [Fact]
    public async Task WhatsAppThroughTwilio_IsStoredOnTheWhatsAppConversation_WithProfileName()
    {
        var tenant = await fixture.CreateTenantAsync();
        var fields = Signed.TwilioInbound(NewSid(), "whatsapp:+5511987654321", "Olá", to: "whatsapp:+14155550100");
        fields.Add(new("ProfileName", "Joana"));
        fields.Add(new("WaId", "5511987654321"));

        var response = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", fields));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(1, await fixture.Database.CountAsync(
            "SELECT count(*) FROM message_log WHERE tenant_id = $1 AND lead_phone = '+5511987654321' AND channel = 'whatsapp'", tenant.Id));
        var lead = await fixture.Cluster.GetGrain<ILeadGrain>(GrainKeys.Lead(tenant.Id, "+5511987654321")).GetAsync();
        Assert.Equal("Joana", lead.Profile.Name);
    }

    [Fact]
    public async Task BadOrMissingSignature_Is403_StoresNothing_AndIsCounted()
    {
        var tenant = await fixture.CreateTenantAsync();
        using var rejections = new WebhookCounter("engine.webhooks.rejected");
        var (badSid, missingSid) = (NewSid(), NewSid());

        var bad = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}",
            Signed.TwilioInbound(badSid, "+12125550142", "STOP"), signatureOverride: "AAAAAAAAAAAAAAAAAAAAAAAAAAA="));
        var missing = new HttpRequestMessage(HttpMethod.Post, $"/webhooks/twilio/{tenant.Id}")
        {
            Content = new FormUrlEncodedContent(Signed.TwilioInbound(missingSid, "+12125550142", "STOP")),
        };
        var missingResponse = await fixture.Http.SendAsync(missing);

        Assert.Equal(HttpStatusCode.Forbidden, bad.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, missingResponse.StatusCode);
        Assert.Equal(0, await fixture.Database.CountAsync("SELECT count(*) FROM message_log WHERE tenant_id = $1", tenant.Id));
        Assert.Equal(0, await fixture.Database.CountAsync("SELECT count(*) FROM consent_ledger WHERE tenant_id = $1", tenant.Id));
        Assert.Equal(2, rejections.Count(("provider", "twilio"), ("reason", "bad_signature")));
        Assert.Empty(await fixture.ListRejectedAsync(tenant));
    }

    [Fact]
    public async Task SignatureOverTheWrongUrl_Is403()
    {
        var tenant = await fixture.CreateTenantAsync();
        var fields = Signed.TwilioInbound(NewSid(), "+12125550142", "hello");
        var request = new HttpRequestMessage(HttpMethod.Post, $"/webhooks/twilio/{tenant.Id}") { Content = new FormUrlEncodedContent(fields) };
        request.Headers.Add("X-Twilio-Signature", TwilioSignature.Compute(tenant.TwilioAuthToken, $"https://elsewhere.example/webhooks/twilio/{tenant.Id}", fields));

        var response = await fixture.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
    }

    [Fact]
    public async Task UnknownTenant_Is404()
    {
        var ghost = new TestTenant("no-such-tenant", "x", "y", "z", "1");

        var response = await fixture.Http.SendAsync(Signed.Twilio(fixture, ghost, "/webhooks/twilio/no-such-tenant", Signed.TwilioInbound(NewSid(), "+12125550142", "hi")));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Theory]
    [InlineData("From", "missing_from", "From is missing")]
    [InlineData("MessageSid", "missing_message_sid", "MessageSid is missing")]
    public async Task UnusableInbound_Is200WithEmptyTwiml_IsRecorded_AndStoresNoMessage(string dropped, string code, string reason)
    {
        var tenant = await fixture.CreateTenantAsync();
        using var counter = new WebhookCounter("engine.webhooks.rejected_items");
        var sid = NewSid();
        var fields = Signed.TwilioInbound(sid, "+12125550142", "hi")
            .Where(f => f.Key != dropped && !(dropped == "MessageSid" && f.Key is "SmsMessageSid" or "SmsSid")).ToList();

        var response = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", fields));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/xml", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("<Response/>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(0, await fixture.Database.CountAsync("SELECT count(*) FROM message_log WHERE tenant_id = $1", tenant.Id));
        var rejected = Assert.Single(await fixture.ListRejectedAsync(tenant));
        Assert.Equal(("twilio", "inbound", code, reason), (rejected.Provider, rejected.Kind, rejected.Code, rejected.Reason));
        var raw = JsonSerializer.Deserialize<Dictionary<string, string>>(rejected.Raw)!;
        Assert.Equal(fields.ToDictionary(f => f.Key, f => f.Value), raw);
        Assert.Equal(1, counter.Count(("provider", "twilio"), ("kind", "inbound"), ("reason", code)));
    }

    [Fact]
    public async Task InboundFromSomethingThatIsNotANumber_Is200_AndIsRecorded_NamingTheField()
    {
        var tenant = await fixture.CreateTenantAsync();

        var response = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", Signed.TwilioInbound(NewSid(), "+1 000", "hi")));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var rejected = Assert.Single(await fixture.ListRejectedAsync(tenant));
        Assert.Equal("invalid_from", rejected.Code);
        Assert.StartsWith("From: ", rejected.Reason, StringComparison.Ordinal);
        Assert.Contains("\"From\":\"+1 000\"", rejected.Raw, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnusableStatusCallback_Is200_AndIsRecorded()
    {
        var tenant = await fixture.CreateTenantAsync();
        var fields = StatusFields(NewSid(), "+12125550190", "delivered").Where(f => f.Key != "To").ToList();

        var response = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}/status", fields));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<Response/>", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        var rejected = Assert.Single(await fixture.ListRejectedAsync(tenant));
        Assert.Equal(("status", "missing_to", "To is missing"), (rejected.Kind, rejected.Code, rejected.Reason));
    }

    [Fact]
    public async Task SamePayloadFiftyTimesAtOnce_GivesOneRow_AndOneReply()
    {
        var tenant = await fixture.CreateTenantAsync();
        var sid = NewSid();
        const string lead = "+12125550177";

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ =>
            fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", Signed.TwilioInbound(sid, lead, "STOP")))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.OK, r.StatusCode));
        Assert.Equal(1, await fixture.Database.CountAsync("SELECT count(*) FROM message_log WHERE tenant_id = $1 AND direction = 'inbound'", tenant.Id));
        Assert.Equal(1, await fixture.Database.CountAsync("SELECT count(*) FROM message_log WHERE tenant_id = $1 AND direction = 'outbound'", tenant.Id));
        var consent = await fixture.Cluster.GetGrain<ILeadGrain>(GrainKeys.Lead(tenant.Id, lead)).GetAsync();
        Assert.Equal(ConsentStatus.OptedOut, consent.ConsentOn(Channel.Sms));
    }

    [Fact]
    public async Task StatusCallbacks_OutOfOrderAndRepeated_OnlyMoveForward()
    {
        var tenant = await fixture.CreateTenantAsync();
        var sid = NewSid();
        const string lead = "+12125550190";
        await fixture.Gateway.Services.GetRequiredService<IConversationLog>().TryAppendAsync(new MessageRecord(
            Guid.NewGuid(), tenant.Id, lead, Channel.Sms, Direction.Outbound, Provider.Twilio, sid, "text", "Tour at 5?", DeliveryStatus.Sending, null, DateTimeOffset.UtcNow));

        foreach (var status in new[] { "delivered", "sent", "queued", "delivered", "sent" })
        {
            var response = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}/status", StatusFields(sid, lead, status)));
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        Assert.Equal([["delivered"]], await fixture.Database.TextRowsAsync("SELECT status FROM message_log WHERE provider_message_id = $1", sid));
    }

    [Fact]
    public async Task StatusCallback_WithUnsubscribedError_OptsTheLeadOut()
    {
        var tenant = await fixture.CreateTenantAsync();
        const string lead = "+12125550191";
        var fields = StatusFields(NewSid(), lead, "failed");
        fields.Add(new("ErrorCode", "21610"));

        var response = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}/status", fields));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var snapshot = await fixture.Cluster.GetGrain<ILeadGrain>(GrainKeys.Lead(tenant.Id, lead)).GetAsync();
        Assert.Equal(ConsentStatus.OptedOut, snapshot.ConsentOn(Channel.Sms));
        Assert.Equal(1, await fixture.Database.CountAsync(
            "SELECT count(*) FROM consent_ledger WHERE tenant_id = $1 AND source = 'provider_error' AND channel = 'sms'", tenant.Id));
    }

    private static List<KeyValuePair<string, string>> StatusFields(string sid, string to, string status) =>
    [
        new("MessageSid", sid), new("SmsSid", sid), new("MessageStatus", status), new("SmsStatus", status),
        new("AccountSid", "AC" + new string('7', 32)), new("From", "+14155550100"), new("To", to), new("ApiVersion", "2010-04-01"),
    ];

    private static string NewSid() => "SM" + Guid.NewGuid().ToString("N");
}
