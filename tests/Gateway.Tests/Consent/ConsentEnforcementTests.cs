using Engine.Gateway.Grpc.V1;
using Engine.Gateway.Tests.Grpc;
using Engine.Gateway.Tests.Webhooks;
using Engine.Simulator;
using Engine.TestSupport;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Engine.Gateway.Tests.Consent;

/// <summary>
/// Consent enforced at the last mile, through signed webhooks, gRPC and the provider simulator. Each
/// of the first six tests is one finding of the consent report, reproduced as a user would meet it.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class ConsentEnforcementTests(GatewayFixture fixture)
{
    private static readonly TimeSpan Settle = TimeSpan.FromSeconds(6);

    private ConversationService.ConversationServiceClient Conversations => new(fixture.Grpc);
    private LeadService.LeadServiceClient Leads => new(fixture.Grpc);
    private AutomationService.AutomationServiceClient Automations => new(fixture.Grpc);

    [Fact]
    public async Task Stop_CancelsQueuedMessages_OnlyTheConfirmationAndOneInFlightMayFollow()
    {
        var tenant = await fixture.CreateTenantAsync(new RateLimits { SmsSegmentsPerSecond = 0.5, DailyMessageCap = 1000 });
        var phone = NewPhone();
        await OptInAsync(tenant.Id, phone, Channel.Sms);
        for (var i = 0; i < 10; i++)
        {
            await Conversations.SendMessageAsync(new SendMessageRequest { TenantId = tenant.Id, Phone = phone, Channel = Channel.Sms, Body = $"listing {i}" }, fixture.AdminAuth);
        }

        await Eventually.GetAsync(() => Task.FromResult(SentTo(phone).Count), n => n >= 2, TimeSpan.FromSeconds(20), "two listings to reach the provider");
        await InboundAsync(tenant, phone, "STOP");
        var atStop = SentTo(phone).Count;
        await Task.Delay(Settle);

        var listingsAfterStop = SentTo(phone).Skip(atStop).Count(m => m.Body!.StartsWith("listing", StringComparison.Ordinal));
        Assert.True(listingsAfterStop <= 1, $"{listingsAfterStop} listings reached the provider after STOP");
        Assert.Contains(SentTo(phone), m => m.Body!.Contains("unsubscribed", StringComparison.Ordinal));
        Assert.True(await fixture.Database.CountAsync(
            "SELECT count(*) FROM message_log WHERE tenant_id = $1 AND status = 'canceled' AND error_code = 'opted_out'", tenant.Id) >= 7);
    }

    [Fact]
    public async Task LeadCreatedPlaybook_NeverTextsALeadWithoutConsent()
    {
        var tenant = await fixture.CreateTenantAsync();
        await Automations.PutPlaybookAsync(new PutPlaybookRequest
        {
            TenantId = tenant.Id,
            Playbook = new Playbook
            {
                PlaybookId = "welcome", Trigger = PlaybookTrigger.LeadCreated, Channel = Channel.Sms,
                Steps = { new PlaybookStep { Delay = Duration.FromTimeSpan(TimeSpan.Zero), Body = $"Welcome! {tenant.Id}" } },
            },
        }, fixture.AdminAuth);
        var phone = NewPhone();

        await Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenant.Id, Phone = phone, Name = "No Consent" }, fixture.AdminAuth);
        await Task.Delay(Settle);

        Assert.Empty(SentTo(phone));
        Assert.Equal(0, await fixture.Database.CountAsync("SELECT count(*) FROM message_log WHERE tenant_id = $1 AND direction = 'outbound'", tenant.Id));
    }

    [Fact]
    public async Task ImportAndRecordConsent_NeverOverrideThePersonsStop()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = NewPhone();
        await OptInAsync(tenant.Id, phone, Channel.Sms);
        await InboundAsync(tenant, phone, "STOP");

        using var import = Leads.ImportLeads(fixture.AdminAuth);
        await import.RequestStream.WriteAsync(new ImportLeadRow { TenantId = tenant.Id, Phone = phone, Name = "Imported", OptedInChannel = Channel.Sms });
        await import.RequestStream.CompleteAsync();
        var summary = await import.ResponseAsync;

        var rowError = Assert.Single(summary.Errors);
        Assert.Contains("revoked consent", rowError.Reason, StringComparison.Ordinal);
        await GrpcAssert.FailsWithAsync(StatusCode.FailedPrecondition, () => Leads.RecordConsentAsync(new RecordConsentRequest
        {
            TenantId = tenant.Id, Phone = phone, Channel = Channel.Sms, Status = ConsentStatus.OptedIn, Source = ConsentSource.Api,
        }, fixture.AdminAuth).ResponseAsync, "revoked consent on sms at");
        Assert.Equal(ConsentStatus.OptedOut, (await LeadAsync(tenant.Id, phone)).Consent.Single(c => c.Channel == Channel.Sms).Status);
        await GrpcAssert.FailsWithAsync(StatusCode.FailedPrecondition, () => Conversations.SendMessageAsync(
            new SendMessageRequest { TenantId = tenant.Id, Phone = phone, Channel = Channel.Sms, Body = "Still interested?" }, fixture.AdminAuth).ResponseAsync, "opted out");
    }

    [Fact]
    public async Task Yes_FromALeadWithoutConsent_IsAnOrdinaryMessage()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = NewPhone();

        await InboundAsync(tenant, phone, "Yes");
        await Task.Delay(TimeSpan.FromSeconds(2));

        Assert.DoesNotContain(await LeadConsentAsync(tenant.Id, phone), c => c.Status == ConsentStatus.OptedIn);
        Assert.Equal(0, await fixture.Database.CountAsync("SELECT count(*) FROM consent_ledger WHERE tenant_id = $1", tenant.Id));
        Assert.Empty(SentTo(phone));
    }

    [Theory]
    [InlineData("Don\u2019t text me anymore")]
    [InlineData("wrong number")]
    [InlineData("STOP \U0001F621")]
    public async Task PlainLanguageRevocation_AsPhonesTypeIt_OptsOut(string body)
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = NewPhone();
        await OptInAsync(tenant.Id, phone, Channel.Sms);

        await InboundAsync(tenant, phone, body);

        Assert.All(await LeadConsentAsync(tenant.Id, phone), c => Assert.Equal(ConsentStatus.OptedOut, c.Status));
    }

    [Fact]
    public async Task OneMessageLongAgo_IsNotConsentForever()
    {
        var tenant = await fixture.CreateTenantAsync(consent: new ConsentRules { ReplyWindow = Duration.FromTimeSpan(TimeSpan.FromSeconds(2)) });
        var phone = NewPhone();
        await InboundAsync(tenant, phone, "hello, is the house on Elm St still available?");
        var reply = await Conversations.SendMessageAsync(
            new SendMessageRequest { TenantId = tenant.Id, Phone = phone, Channel = Channel.Sms, Body = "Yes it is!" }, fixture.AdminAuth);
        Assert.Equal(SendStatus.Queued, reply.Status);

        await Task.Delay(TimeSpan.FromSeconds(3));

        await GrpcAssert.FailsWithAsync(StatusCode.FailedPrecondition, () => Conversations.SendMessageAsync(
            new SendMessageRequest { TenantId = tenant.Id, Phone = phone, Channel = Channel.Sms, Body = "New listings this week!" }, fixture.AdminAuth).ResponseAsync,
            "no consent");
    }

    [Fact]
    public async Task QueuedReply_ThatOutlivesTheReplyWindow_IsSuppressedAtHandOff()
    {
        var tenant = await fixture.CreateTenantAsync(
            new RateLimits { SmsSegmentsPerSecond = 0.5, DailyMessageCap = 1000 },
            new ConsentRules { ReplyWindow = Duration.FromTimeSpan(TimeSpan.FromSeconds(3)) });
        var (subscribed, stranger) = (NewPhone(), NewPhone());
        await OptInAsync(tenant.Id, subscribed, Channel.Sms);
        for (var i = 0; i < 3; i++)
        {
            await Conversations.SendMessageAsync(new SendMessageRequest { TenantId = tenant.Id, Phone = subscribed, Channel = Channel.Sms, Body = $"update {i}" }, fixture.AdminAuth);
        }

        await InboundAsync(tenant, stranger, "hi");
        var reply = await Conversations.SendMessageAsync(
            new SendMessageRequest { TenantId = tenant.Id, Phone = stranger, Channel = Channel.Sms, Body = "Hi! Who is this?" }, fixture.AdminAuth);
        Assert.Equal(SendStatus.Queued, reply.Status); // inside the window when queued; behind three others at 0.5/s

        var row = await Eventually.GetAsync(() => fixture.Database.TextRowsAsync("SELECT status, error_code FROM message_log WHERE message_id = $1::uuid", reply.MessageId),
            rows => rows.Single()[0] is not ("queued" or "sending"), TimeSpan.FromSeconds(20), "the reply to leave the queue");

        Assert.Equal(["suppressed", "no_consent"], row.Single());
        Assert.Empty(SentTo(stranger));
        Assert.Equal(1, await fixture.Database.CountAsync(
            "SELECT count(*) FROM events WHERE tenant_id = $1 AND type = 'message.suppressed' AND data->>'messageId' = $2", tenant.Id, reply.MessageId));
    }

    [Fact]
    public async Task DoubleOptIn_RequestThenY_OptsIn_WithBothAsEvidence()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = NewPhone();
        await Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenant.Id, Phone = phone }, fixture.AdminAuth);

        var requested = await Leads.RequestOptInAsync(new RequestOptInRequest { TenantId = tenant.Id, Phone = phone, Channel = Channel.Sms }, fixture.AdminAuth);
        Assert.Equal(ConsentStatus.Pending, requested.Lead.Consent.Single(c => c.Channel == Channel.Sms).Status);
        await Eventually.GetAsync(() => Task.FromResult(SentTo(phone).Count), n => n == 1, TimeSpan.FromSeconds(10), "the opt-in request to reach the provider");
        Assert.Contains("Reply YES", SentTo(phone)[0].Body, StringComparison.Ordinal);

        await InboundAsync(tenant, phone, "Y");

        var sms = (await LeadConsentAsync(tenant.Id, phone)).Single(c => c.Channel == Channel.Sms);
        Assert.Equal(ConsentStatus.OptedIn, sms.Status);
        Assert.Contains(requested.MessageId, sms.Evidence, StringComparison.Ordinal);
        await Eventually.GetAsync(() => Task.FromResult(SentTo(phone).Count), n => n == 2, TimeSpan.FromSeconds(10), "the subscription confirmation");
        var history = await Leads.ListConsentHistoryAsync(new ListConsentHistoryRequest { TenantId = tenant.Id, Phone = phone }, fixture.AdminAuth);
        Assert.Equal([ConsentStatus.Pending, ConsentStatus.OptedIn], history.Entries.Select(e => e.Status));
    }

    [Fact]
    public async Task RequestOptIn_ForAPersonWhoStopped_IsFailedPrecondition()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = NewPhone();
        await OptInAsync(tenant.Id, phone, Channel.Sms);
        await InboundAsync(tenant, phone, "STOP");

        await GrpcAssert.FailsWithAsync(StatusCode.FailedPrecondition, () => Leads.RequestOptInAsync(
            new RequestOptInRequest { TenantId = tenant.Id, Phone = phone, Channel = Channel.Sms }, fixture.AdminAuth).ResponseAsync, "revoked consent");
    }

    [Fact]
    public async Task ConsentHistory_PagesTheLedger_AndKeepsSupersededChanges()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = NewPhone();
        var formAt = DateTimeOffset.UtcNow.AddMinutes(-5);
        await Leads.RecordConsentAsync(new RecordConsentRequest
        {
            TenantId = tenant.Id, Phone = phone, Channel = Channel.Sms, Status = ConsentStatus.OptedIn, Source = ConsentSource.Form,
            Evidence = "form 1", OccurredAt = Timestamp.FromDateTimeOffset(formAt),
        }, fixture.AdminAuth);

        var lead = await Leads.RecordConsentAsync(new RecordConsentRequest
        {
            TenantId = tenant.Id, Phone = phone, Channel = Channel.Sms, Status = ConsentStatus.OptedOut, Source = ConsentSource.Api,
            Evidence = "old call note", OccurredAt = Timestamp.FromDateTimeOffset(formAt.AddHours(-1)),
        }, fixture.AdminAuth);
        Assert.Equal(ConsentStatus.OptedIn, lead.Consent.Single().Status);

        var first = await Leads.ListConsentHistoryAsync(new ListConsentHistoryRequest { TenantId = tenant.Id, Phone = phone, PageSize = 1 }, fixture.AdminAuth);
        var second = await Leads.ListConsentHistoryAsync(
            new ListConsentHistoryRequest { TenantId = tenant.Id, Phone = phone, PageSize = 1, PageToken = first.NextPageToken }, fixture.AdminAuth);
        Assert.False(Assert.Single(first.Entries).Superseded);
        Assert.True(Assert.Single(second.Entries).Superseded);
        Assert.Equal("", second.NextPageToken);
    }

    [Fact]
    public async Task IdempotencyKey_ReusedWithDifferentContent_IsInvalidArgument()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = NewPhone();
        var request = new RecordConsentRequest
        {
            TenantId = tenant.Id, Phone = phone, Channel = Channel.Sms, Status = ConsentStatus.OptedIn, Source = ConsentSource.Form,
            Evidence = "form 7", IdempotencyKey = "consent-7", OccurredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow),
        };
        await Leads.RecordConsentAsync(request, fixture.AdminAuth);
        await Leads.RecordConsentAsync(request, fixture.AdminAuth); // a plain retry is fine

        var changed = request.Clone();
        changed.Evidence = "form 8";
        await GrpcAssert.FailsWithAsync(StatusCode.InvalidArgument, () => Leads.RecordConsentAsync(changed, fixture.AdminAuth).ResponseAsync, "idempotency_key");
    }

    [Fact]
    public async Task TwilioAdvancedOptOut_IsHonoured_WithoutASecondConfirmation()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = NewPhone();
        await OptInAsync(tenant.Id, phone, Channel.Sms);
        var fields = Signed.TwilioInbound($"SM{Guid.NewGuid():N}", phone, "ARRET");
        fields.Add(new("OptOutType", "STOP"));

        (await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", fields))).EnsureSuccessStatusCode();
        await Task.Delay(TimeSpan.FromSeconds(2));

        Assert.All(await LeadConsentAsync(tenant.Id, phone), c => Assert.Equal(ConsentStatus.OptedOut, c.Status));
        Assert.Empty(SentTo(phone)); // Twilio itself answered the keyword
    }

    private async Task OptInAsync(string tenantId, string phone, Channel channel) =>
        await Leads.RecordConsentAsync(new RecordConsentRequest
        {
            TenantId = tenantId, Phone = phone, Channel = channel, Status = ConsentStatus.OptedIn, Source = ConsentSource.Form, Evidence = "signup form",
            OccurredAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddSeconds(-1)),
        }, fixture.AdminAuth);

    private async Task InboundAsync(TestTenant tenant, string phone, string body) =>
        (await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", Signed.TwilioInbound($"SM{Guid.NewGuid():N}", phone, body))))
            .EnsureSuccessStatusCode();

    private async Task<Lead> LeadAsync(string tenantId, string phone) =>
        await Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenantId, Phone = phone }, fixture.AdminAuth);

    private async Task<IReadOnlyList<ChannelConsent>> LeadConsentAsync(string tenantId, string phone)
    {
        try
        {
            return (await LeadAsync(tenantId, phone)).Consent;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return [];
        }
    }

    private List<SimulatedMessage> SentTo(string phone) =>
        fixture.Simulator.Simulator.Sent.Where(m => m.To == phone).OrderBy(m => m.ReceivedAt).ToList();

    // Numbers no other test class uses, so the shared simulator's records are this class's alone.
    private static int _lastLine = 1000;

    private static string NewPhone() => $"+1646555{Interlocked.Increment(ref _lastLine):D4}";
}
