using Engine.TestSupport;
using System.Diagnostics.Metrics;
using System.Net;
using Engine.Gateway.Webhooks;
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
            "SELECT lead_phone, channel, direction, provider, body, status FROM message_log WHERE tenant_id = $1 AND provider_message_id = $2", tenant.Id, sid);
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
        using var rejections = new RejectionCounter();
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
        Assert.Equal(2, rejections.Count("twilio", "bad_signature"));
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
    [InlineData("From", "From is missing")]
    [InlineData("MessageSid", "MessageSid is missing")]
    public async Task MalformedPayload_Is400_WithTheReason(string dropped, string reason)
    {
        var tenant = await fixture.CreateTenantAsync();
        var fields = Signed.TwilioInbound(NewSid(), "+12125550142", "hi")
            .Where(f => f.Key != dropped && !(dropped == "MessageSid" && f.Key is "SmsMessageSid" or "SmsSid")).ToList();

        var response = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", fields));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(reason, await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task InvalidNumber_Is400_NamingTheField()
    {
        var tenant = await fixture.CreateTenantAsync();

        var response = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", Signed.TwilioInbound(NewSid(), "+1 000", "hi")));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains("From:", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
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

    /// <summary>Listens to the gateway's rejection counter for the duration of a test.</summary>
    private sealed class RejectionCounter : IDisposable
    {
        private readonly MeterListener _listener = new();
        private readonly List<(string Provider, string Reason)> _seen = [];

        public RejectionCounter()
        {
            _listener.InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == WebhookMetrics.MeterName && instrument.Name == "engine.webhooks.rejected")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            };
            _listener.SetMeasurementEventCallback<long>((_, _, tags, _) =>
            {
                var values = tags.ToArray().ToDictionary(t => t.Key, t => t.Value?.ToString());
                lock (_seen)
                {
                    _seen.Add((values["provider"]!, values["reason"]!));
                }
            });
            _listener.Start();
        }

        public int Count(string provider, string reason)
        {
            lock (_seen)
            {
                return _seen.Count(s => s == (provider, reason));
            }
        }

        public void Dispose() => _listener.Dispose();
    }
}
