using Engine.Gateway.Grpc.V1;
using Engine.Simulator;
using Engine.TestSupport;
using Engine.Gateway.Tests.Grpc;
using Grpc.Core;

namespace Engine.Gateway.Tests.Delivery;

/// <summary>Outbound messages from SendMessage to the provider simulator and back through its status callbacks.</summary>
[Collection(GatewayCollection.Name)]
public sealed class DeliveryTests(GatewayFixture fixture)
{
    private ConversationService.ConversationServiceClient Conversations => new(fixture.Grpc);
    private LeadService.LeadServiceClient Leads => new(fixture.Grpc);
    private ProviderSimulator Simulator => fixture.Simulator.Simulator;

    [Fact]
    public async Task Sms_ReachesTwilio_AndStatusCallbacksMarkItDelivered()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = await OptedInLeadAsync(tenant.Id, 0);

        var sent = await SendAsync(tenant.Id, phone, "Your viewing is confirmed for 5pm");

        var row = await WaitForStatusAsync(sent.MessageId, "delivered");
        var atTwilio = Assert.Single(Simulator.Sent, m => m.Body == "Your viewing is confirmed for 5pm" && m.To == phone);
        Assert.Equal(("+14155550100", "twilio"), (atTwilio.From, atTwilio.Provider));
        Assert.Equal(atTwilio.Id, row[1]);
    }

    [Fact]
    public async Task WhatsAppTemplate_ReachesMeta_AndIsReportedRead()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = await OptedInLeadAsync(tenant.Id, 1);

        var sent = await Conversations.SendMessageAsync(new SendMessageRequest
        {
            TenantId = tenant.Id, Phone = phone, Channel = Channel.Whatsapp,
            Template = new Template { Name = "viewing_reminder", Language = "en_US", Parameters = { "Ana", "5pm" } },
        }, fixture.AdminAuth);

        await WaitForStatusAsync(sent.MessageId, "read");
        var atMeta = Assert.Single(Simulator.Sent, m => m.Provider == "meta" && m.To == phone);
        Assert.Equal(("viewing_reminder", tenant.PhoneNumberId), (atMeta.Template, atMeta.Account));
    }

    // Twilio calls back the URL the sender gave, which names the engine's message id.
    [Fact]
    public async Task StatusesArrivingBeforeTheProviderIdIsRecorded_AreAppliedNotDropped()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phones = await Task.WhenAll(Enumerable.Range(40, 12).Select(n => OptedInLeadAsync(tenant.Id, n)));
        var usualDelay = Simulator.CallbackDelay;
        Simulator.CallbackDelay = TimeSpan.Zero; // callbacks race the sender's write of the provider's ids
        try
        {
            var sent = await Task.WhenAll(phones.Select(phone => SendAsync(tenant.Id, phone, "Your offer was accepted")));

            var rows = await Task.WhenAll(sent.Select(s => WaitForStatusAsync(s.MessageId, "delivered")));
            Assert.All(rows, row => Assert.StartsWith("SM", row[1]));
        }
        finally
        {
            Simulator.CallbackDelay = usualDelay;
        }

        // The sender discards each parked status after applying it, which may be just after the status shows.
        await Eventually.GetAsync(() => fixture.Database.CountAsync("SELECT count(*) FROM early_statuses WHERE tenant_id = $1", tenant.Id),
            parked => parked == 0, TimeSpan.FromSeconds(10), "every parked status discarded");
    }

    // Statuses that name only the provider's id wait, parked, for the sender's record of that id.
    [Fact]
    public async Task StatusesNamingOnlyTheProviderId_ArrivingEarly_AreParkedThenApplied()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phones = await Task.WhenAll(Enumerable.Range(60, 12).Select(n => OptedInLeadAsync(tenant.Id, n)));
        var usualDelay = Simulator.CallbackDelay;
        (Simulator.CallbackDelay, Simulator.EchoesCallbackData) = (TimeSpan.Zero, false);
        try
        {
            var sent = await Task.WhenAll(phones.Select(phone => Conversations.SendMessageAsync(new SendMessageRequest
            {
                TenantId = tenant.Id, Phone = phone, Channel = Channel.Whatsapp,
                Template = new Template { Name = "offer_accepted", Language = "en_US" },
            }, fixture.AdminAuth).ResponseAsync));

            await Task.WhenAll(sent.Select(s => WaitForStatusAsync(s.MessageId, "read")));
        }
        finally
        {
            (Simulator.CallbackDelay, Simulator.EchoesCallbackData) = (usualDelay, true);
        }

        // The sender discards each parked status after applying it, which may be just after the status shows.
        await Eventually.GetAsync(() => fixture.Database.CountAsync("SELECT count(*) FROM early_statuses WHERE tenant_id = $1", tenant.Id),
            parked => parked == 0, TimeSpan.FromSeconds(10), "every parked status discarded");
    }

    [Fact]
    public async Task SendTimes_NeverExceedTheConfiguredRate()
    {
        const double rate = 2, burst = 2; // the sender's bucket holds max(1, rate) tokens
        var tenant = await fixture.CreateTenantAsync(new RateLimits { SmsSegmentsPerSecond = rate });
        var phones = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            phones.Add(await OptedInLeadAsync(tenant.Id, 10 + i));
        }

        // Queued all at once, so only the bucket spaces them out.
        var bodies = phones.Select((_, i) => $"rate test {tenant.Id} {i}").ToArray();
        await Task.WhenAll(phones.Select((phone, i) => SendAsync(tenant.Id, phone, bodies[i])));
        var received = await Eventually.GetAsync(
            () => Task.FromResult(Simulator.Sent.Where(m => bodies.Contains(m.Body!)).OrderBy(m => m.ReceivedAt).ToArray()),
            sent => sent.Length == bodies.Length, TimeSpan.FromSeconds(30), "all ten messages at the simulator");

        // The bucket lets at most burst + rate * t sends leave in any t seconds. The simulator sees each
        // one later, by network and scheduling delays that bunch arrivals up; but the sender takes its
        // next batch only once the provider has answered the last one, so the sends arriving within t
        // seconds are the first batch among them (at most a burst) plus sends that left within t seconds.
        // That bound holds whatever the delays; a missing bucket, or one half again too fast, breaks it.
        for (var i = 0; i < received.Length; i++)
        {
            for (var j = i + 1; j < received.Length; j++)
            {
                var span = (received[j].ReceivedAt - received[i].ReceivedAt).TotalSeconds;
                Assert.True(j - i + 1 <= (2 * burst) + (rate * span), $"{j - i + 1} sends arrived within {span:F2}s; {rate}/s allows {burst + (rate * span):F1} plus {burst} for delays");
            }
        }
    }

    [Fact]
    public async Task TransientErrors_AreRetried_AndSendOnce()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = await OptedInLeadAsync(tenant.Id, 2);
        Simulator.Inject(new SimulatedFault("twilio", Status: 500, Code: 20500, Times: 1, To: phone));
        Simulator.Inject(new SimulatedFault("twilio", Status: 429, Code: 20429, Message: "Too Many Requests", Times: 2, To: phone));

        var sent = await SendAsync(tenant.Id, phone, "retry me");

        await WaitForStatusAsync(sent.MessageId, "delivered");
        Assert.Single(Simulator.Sent, m => m.Body == "retry me" && m.To == phone);
        Assert.Equal(4, Simulator.RequestsTo("twilio", phone));
    }

    [Theory]
    [InlineData(21211, "Invalid 'To' Phone Number")]
    [InlineData(21614, "'To' number is not a valid mobile number")]
    public async Task PermanentErrors_FailWithTheCode_WithoutRetry(int code, string message)
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = await OptedInLeadAsync(tenant.Id, code % 1000); // a number of its own per case
        Simulator.Inject(new SimulatedFault("twilio", Status: 400, Code: code, Message: message, To: phone));

        var sent = await SendAsync(tenant.Id, phone, $"never arrives {code}");

        var row = await WaitForStatusAsync(sent.MessageId, "failed");
        Assert.Equal(code.ToString(System.Globalization.CultureInfo.InvariantCulture), row[2]);
        Assert.Equal(1, Simulator.RequestsTo("twilio", phone));
    }

    [Fact]
    public async Task UnsubscribedError_FailsTheMessage_AndOptsTheLeadOut()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = await OptedInLeadAsync(tenant.Id, 4);
        Simulator.Inject(new SimulatedFault("twilio", Status: 400, Code: 21610, Message: "Attempt to send to unsubscribed recipient", To: phone));

        var sent = await SendAsync(tenant.Id, phone, "are you there?");

        await WaitForStatusAsync(sent.MessageId, "failed");
        var lead = await Eventually.GetAsync(() => Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenant.Id, Phone = phone }, fixture.AdminAuth).ResponseAsync,
            l => l.Consent.Any(c => c.Channel == Channel.Sms && c.Status == ConsentStatus.OptedOut), TimeSpan.FromSeconds(10), "the opt-out");
        Assert.Contains(lead.Consent, c => c.Source == ConsentSource.ProviderError);
        await GrpcAssert.FailsWithAsync(StatusCode.FailedPrecondition, () => SendAsync(tenant.Id, phone, "one more?"));
    }

    [Fact]
    public async Task TimeoutAfterTheProviderTookIt_IsReconciled_NotSentTwice()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = await OptedInLeadAsync(tenant.Id, 5);
        Simulator.Inject(new SimulatedFault("twilio", LatencyMs: 2_500, KeepMessage: true, To: phone));

        var sent = await SendAsync(tenant.Id, phone, "exactly once please");

        var row = await WaitForStatusAsync(sent.MessageId, "sending", "sent", "delivered");
        var atTwilio = Assert.Single(Simulator.Sent, m => m.Body == "exactly once please");
        Assert.Equal(atTwilio.Id, row[1]);
    }

    // Meta took the message but the sender could not write that down (the database failed half-way), and
    // no status names the engine's id to fill it in: the message must not wait unseen until the sender
    // deactivates, nor go out twice.
    [Fact]
    public async Task AcceptanceThatCouldNotBeRecorded_IsRecordedByTheNextPass_NotLeftWaiting()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = await OptedInLeadAsync(tenant.Id, 10);
        await fixture.Database.FailNextWriteAsync("message_log", $"NEW.tenant_id = '{tenant.Id}' AND NEW.provider_message_id IS NOT NULL");
        Simulator.EchoesCallbackData = false;
        try
        {
            var sent = await Conversations.SendMessageAsync(new SendMessageRequest
            {
                TenantId = tenant.Id, Phone = phone, Channel = Channel.Whatsapp,
                Template = new Template { Name = "viewing_reminder", Language = "en_US", Parameters = { "Ana", "5pm" } },
            }, fixture.AdminAuth);

            var row = await WaitForStatusAsync(sent.MessageId, "read");
            var atMeta = Assert.Single(Simulator.Sent, m => m.Provider == "meta" && m.To == phone);
            Assert.Equal(atMeta.Id, row[1]);
        }
        finally
        {
            Simulator.EchoesCallbackData = true;
        }
    }

    [Fact]
    public async Task ServerErrorAfterTheProviderTookIt_IsReconciled_NotSentTwice()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = await OptedInLeadAsync(tenant.Id, 6);
        Simulator.Inject(new SimulatedFault("twilio", Status: 500, Code: 20500, KeepMessage: true, To: phone));

        var sent = await SendAsync(tenant.Id, phone, "stored, then a 500");

        var row = await WaitForStatusAsync(sent.MessageId, "delivered");
        var atTwilio = Assert.Single(Simulator.Sent, m => m.To == phone);
        Assert.Equal((atTwilio.Id, 1), (row[1], Simulator.RequestsTo("twilio", phone)));
    }

    // The same words to the same person twice: the second hand-off's 500 left nothing at Twilio, and its
    // lookup finds only the first message, which the first engine message holds. Adopting it broke the
    // unique index and left the second message queued for good; it must be sent.
    [Fact]
    public async Task ReconciledHandOff_DoesNotAdoptAMessageAnotherMessageHolds_AndIsSent()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = await OptedInLeadAsync(tenant.Id, 90);
        var first = await SendAsync(tenant.Id, phone, "same words, twice");
        var firstRow = await WaitForStatusAsync(first.MessageId, "delivered");
        Simulator.Inject(new SimulatedFault("twilio", Status: 500, Code: 20500, To: phone));

        var second = await SendAsync(tenant.Id, phone, "same words, twice");

        var secondRow = await WaitForStatusAsync(second.MessageId, "delivered");
        var atTwilio = Simulator.Sent.Where(m => m.To == phone).Select(m => m.Id).ToArray();
        Assert.Equal(2, atTwilio.Length);
        Assert.Equal(atTwilio.Order(), new[] { firstRow[1], secondRow[1] }.Order());
    }

    // The conversation's one-way enqueue to the sender was lost (the sender's silo died during the call):
    // the row is queued in the log, the sender is idle and nothing else would bring it there.
    [Fact]
    public async Task QueuedMessageTheSenderWasNeverToldOf_IsSentByTheSweep()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = await OptedInLeadAsync(tenant.Id, 91);
        var told = await SendAsync(tenant.Id, phone, "the sender knows of this one");
        await WaitForStatusAsync(told.MessageId, "delivered");
        var untold = Guid.NewGuid().ToString();

        await fixture.Database.CountAsync("""
            INSERT INTO message_log (message_id, tenant_id, lead_phone, channel, direction, provider, message_type, body_sealed, status, status_rank, occurred_at)
            SELECT $2::uuid, tenant_id, lead_phone, channel, direction, provider, message_type, body_sealed, 'queued', 2, now()
            FROM message_log WHERE message_id = $1::uuid
            """, told.MessageId, untold);

        var row = await WaitForStatusAsync(untold, "delivered");
        Assert.Equal(2, Simulator.Sent.Count(m => m.To == phone && m.Body == "the sender knows of this one"));
        Assert.Contains(Simulator.Sent, m => m.Id == row[1]);
    }

    [Fact]
    public async Task FailingLookup_IsAskedAgainLater_NeverReadAsNotSent()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = await OptedInLeadAsync(tenant.Id, 7);
        Simulator.Inject(new SimulatedFault("twilio", Status: 503, Code: 20503, KeepMessage: true, To: phone));
        // Each lookup is retried in the client (Providers:MaxRetries, 4) before it counts as failed: two fail.
        Simulator.Inject(new SimulatedFault("twilio", Status: 500, Code: 20500, Times: 10, To: phone, Call: SimulatedFault.List));

        var sent = await SendAsync(tenant.Id, phone, "the list is down too");

        var row = await WaitForStatusAsync(sent.MessageId, "delivered");
        var atTwilio = Assert.Single(Simulator.Sent, m => m.To == phone);
        Assert.Equal((atTwilio.Id, 1), (row[1], Simulator.RequestsTo("twilio", phone)));
    }

    [Fact]
    public async Task ThroughAMessagingService_AnAmbiguousSendFromAnyOfItsNumbers_IsAdopted()
    {
        var tenant = await fixture.CreateTenantAsync(messagingServiceSid: "MG" + new string('5', 32));
        var phone = await OptedInLeadAsync(tenant.Id, 8);
        Simulator.Inject(new SimulatedFault("twilio", Status: 502, KeepMessage: true, To: phone));

        var sent = await SendAsync(tenant.Id, phone, "from the pool");

        var row = await WaitForStatusAsync(sent.MessageId, "delivered");
        var atTwilio = Assert.Single(Simulator.Sent, m => m.To == phone);
        Assert.Equal(ProviderSimulator.MessagingServiceNumber, atTwilio.From);
        Assert.Equal((atTwilio.Id, 1), (row[1], Simulator.RequestsTo("twilio", phone)));
    }

    [Fact]
    public async Task WhatsAppServerError_FailsAsUnknownOutcome_NeverSentAgain()
    {
        var tenant = await fixture.CreateTenantAsync();
        var phone = await OptedInLeadAsync(tenant.Id, 9);
        Simulator.Inject(new SimulatedFault("meta", Status: 500, Code: 131000, To: phone));

        var sent = await Conversations.SendMessageAsync(new SendMessageRequest
        {
            TenantId = tenant.Id, Phone = phone, Channel = Channel.Whatsapp,
            Template = new Template { Name = "viewing_reminder", Language = "en_US", Parameters = { "Ana", "5pm" } },
        }, fixture.AdminAuth);

        var row = await WaitForStatusAsync(sent.MessageId, "failed");
        Assert.Equal(("unknown_outcome", 1), (row[2], Simulator.RequestsTo("meta", phone)));
    }

    private async Task<SendMessageResponse> SendAsync(string tenantId, string phone, string body) =>
        await Conversations.SendMessageAsync(new SendMessageRequest { TenantId = tenantId, Phone = phone, Channel = Channel.Sms, Body = body }, fixture.AdminAuth);

    private async Task<string> OptedInLeadAsync(string tenantId, int n)
    {
        var phone = $"+1212555{2000 + n:D4}";
        await Leads.RecordConsentAsync(new RecordConsentRequest { TenantId = tenantId, Phone = phone, Status = ConsentStatus.OptedIn, Source = ConsentSource.Form, Evidence = "form" }, fixture.AdminAuth);
        return phone;
    }

    private Task<string?[]> WaitForStatusAsync(string messageId, params string[] statuses) => Eventually.GetAsync(
        async () => (await fixture.Database.TextRowsAsync("SELECT status, provider_message_id, error_code FROM message_log WHERE message_id = $1::uuid", messageId)).Single(),
        row => statuses.Contains(row[0]), TimeSpan.FromSeconds(30), $"message {messageId} to reach {string.Join("/", statuses)}");
}
