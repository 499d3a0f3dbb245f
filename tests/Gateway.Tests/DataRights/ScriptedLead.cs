using Engine.Gateway.Grpc.V1;
using Engine.Gateway.Tests.Webhooks;
using Engine.TestSupport;
using Google.Protobuf.WellKnownTypes;

namespace Engine.Gateway.Tests.DataRights;

/// <summary>
/// One person with a record in every store: a profile, SMS consent given on a form and withdrawn at
/// their request, WhatsApp consent, a speed-to-lead step that fired and was delivered, an inbound message, a
/// webhook rejected for a missing MessageSid that names their number, and a WhatsApp template
/// scheduled for later (still waiting when the script ends).
/// </summary>
internal sealed class ScriptedLead(GatewayFixture fixture, TestTenant tenant)
{
    public static readonly TimeSpan ScheduledDelay = TimeSpan.FromSeconds(8);

    // A fresh number per script (646-2xx-xxxx, never an N11 exchange), so a scan for it finds only this person.
    public string Phone { get; } = $"+16462{Random.Shared.Next(20, 99)}{Random.Shared.Next(0, 10_000):D4}";
    public string WelcomeBody => $"Welcome to Data Rights Realty ({tenant.Id})";
    public string ScheduledTemplate { get; } = $"later_{Guid.NewGuid():N}"[..20];
    public string ScheduledMessageId { get; private set; } = "";
    public DateTimeOffset ScheduledFor { get; private set; }

    private LeadService.LeadServiceClient Leads => new(fixture.Grpc);

    public async Task RunAsync()
    {
        await new AutomationService.AutomationServiceClient(fixture.Grpc).PutPlaybookAsync(new PutPlaybookRequest
        {
            TenantId = tenant.Id,
            Playbook = new Playbook
            {
                PlaybookId = "welcome", Name = "welcome", Trigger = PlaybookTrigger.LeadCreated, Channel = Channel.Sms,
                Steps = { new PlaybookStep { Delay = Duration.FromTimeSpan(TimeSpan.Zero), Body = WelcomeBody } },
            },
        }, fixture.AdminAuth);
        await Leads.RecordConsentAsync(new RecordConsentRequest
        {
            TenantId = tenant.Id, Phone = Phone, Channel = Channel.Sms, Status = ConsentStatus.OptedIn, Source = ConsentSource.Form, Evidence = "open house sign-up form",
        }, fixture.AdminAuth);
        await Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenant.Id, Phone = Phone, Name = "Ana Data", Email = "ana.data@example.com", Tags = { "open-house" } }, fixture.AdminAuth);
        await Leads.RecordConsentAsync(new RecordConsentRequest
        {
            TenantId = tenant.Id, Phone = Phone, Channel = Channel.Whatsapp, Status = ConsentStatus.OptedIn, Source = ConsentSource.Form, Evidence = "whatsapp checkbox",
        }, fixture.AdminAuth);
        await Eventually.GetAsync(
            async () => (await fixture.Database.TextRowsAsync( // bodies are sealed: TextRowsAsync opens them
                "SELECT body_sealed FROM message_log WHERE tenant_id = $1 AND lead_phone = $2 AND status = 'delivered'", tenant.Id, Phone)).Count(row => row[0] == WelcomeBody),
            n => n == 1, TimeSpan.FromSeconds(30), "the welcome step delivered");

        await InboundAsync($"SM{Guid.NewGuid():N}", "Is the loft still available?");
        var unusable = Signed.TwilioInbound($"SM{Guid.NewGuid():N}", Phone, "no sid").Where(f => f.Key is not ("MessageSid" or "SmsMessageSid" or "SmsSid")).ToList();
        (await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", unusable))).EnsureSuccessStatusCode();
        await Leads.RecordConsentAsync(new RecordConsentRequest
        {
            TenantId = tenant.Id, Phone = Phone, Channel = Channel.Sms, Status = ConsentStatus.OptedOut, Source = ConsentSource.UserRequest,
            Evidence = "asked on a call to get no more texts",
        }, fixture.AdminAuth);

        ScheduledFor = DateTimeOffset.UtcNow + ScheduledDelay;
        var scheduled = await new ConversationService.ConversationServiceClient(fixture.Grpc).SendMessageAsync(new SendMessageRequest
        {
            TenantId = tenant.Id, Phone = Phone, Channel = Channel.Whatsapp, SendAt = Timestamp.FromDateTimeOffset(ScheduledFor),
            Template = new Template { Name = ScheduledTemplate, Language = "en_US" },
        }, fixture.AdminAuth);
        Assert.Equal(SendStatus.Scheduled, scheduled.Status);
        ScheduledMessageId = scheduled.MessageId;
    }

    public async Task InboundAsync(string sid, string body) =>
        (await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", Signed.TwilioInbound(sid, Phone, body)))).EnsureSuccessStatusCode();
}
