using Engine.TestSupport;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Abstractions.Tenants;

namespace Engine.Grains.Tests.Grains;

[Collection(PostgresClusterCollection.Name)]
public sealed class ConversationGrainTests(PostgresClusterFixture fixture)
{
    [Fact]
    public async Task Stop_OptsOutEveryChannel_SendsOneConfirmation_AndBlocksSends()
    {
        var (tenantId, phone, sms) = await NewConversationAsync(Channel.Sms);

        var stop = await sms.ReceiveAsync(Inbound("SM-stop-1", "Stop."));
        var secondStop = await sms.ReceiveAsync(Inbound("SM-stop-2", "STOP"));
        var send = await sms.SendAsync(new OutboundRequest(null, "Still interested in the house?", null, null));
        var whatsApp = await fixture.Grains.GetGrain<IConversationGrain>(GrainKeys.Conversation(tenantId, phone, Channel.WhatsApp))
            .SendAsync(new OutboundRequest(null, null, new TemplateRef("follow_up", "en_US", []), null));

        Assert.Equal(KeywordKind.OptOut, stop.Keyword);
        Assert.Single(stop.AutoReplyIds);
        Assert.Empty(secondStop.AutoReplyIds);
        Assert.Equal((SendDisposition.Rejected, RejectionCode.OptedOut), (send.Disposition, send.Rejection));
        Assert.Equal((SendDisposition.Rejected, RejectionCode.OptedOut), (whatsApp.Disposition, whatsApp.Rejection));
        var lead = await fixture.Grains.GetGrain<ILeadGrain>(GrainKeys.Lead(tenantId, phone)).GetAsync();
        Assert.All(lead.Consent, c => Assert.Equal(ConsentStatus.OptedOut, c.Status));
        var outbound = await fixture.Database.TextRowsAsync(
            "SELECT body_sealed, status FROM message_log WHERE tenant_id = $1 AND lead_phone = $2 AND direction = 'outbound'", tenantId, phone);
        var confirmation = Assert.Single(outbound);
        Assert.Contains("unsubscribed", confirmation[0], StringComparison.Ordinal);
        Assert.Equal("queued", confirmation[1]);
        Assert.Equal(2, await fixture.Database.CountAsync(
            "SELECT count(*) FROM consent_ledger WHERE tenant_id = $1 AND lead_phone = $2 AND source = 'keyword'", tenantId, phone));
    }

    [Fact]
    public async Task Replayed_Inbound_IsStoredOnce_AndRepliedToOnce()
    {
        var (tenantId, phone, sms) = await NewConversationAsync(Channel.Sms);

        var results = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ => sms.ReceiveAsync(Inbound("SM-help-1", "HELP"))));

        Assert.Equal(1, results.Count(r => r.Outcome == InboundOutcome.Accepted));
        Assert.Equal(49, results.Count(r => r.Outcome == InboundOutcome.Duplicate));
        Assert.Single(results.Select(r => r.MessageId).Distinct());
        Assert.Equal(1, await fixture.Database.CountAsync(
            "SELECT count(*) FROM message_log WHERE tenant_id = $1 AND lead_phone = $2 AND direction = 'inbound'", tenantId, phone));
        Assert.Equal(1, await fixture.Database.CountAsync(
            "SELECT count(*) FROM message_log WHERE tenant_id = $1 AND lead_phone = $2 AND direction = 'outbound'", tenantId, phone));
    }

    [Fact]
    public async Task RevocationPhrase_OptsOut_WhenTenantPolicySaysSo()
    {
        var (tenantId, phone, sms) = await NewConversationAsync(Channel.Sms);

        var result = await sms.ReceiveAsync(Inbound("SM-phrase", "please stop texting me"));

        Assert.True(result.RevocationPhraseDetected);
        Assert.Equal(KeywordKind.OptOut, result.Keyword);
        var lead = await fixture.Grains.GetGrain<ILeadGrain>(GrainKeys.Lead(tenantId, phone)).GetAsync();
        Assert.Equal(ConsentStatus.OptedOut, lead.ConsentOn(Channel.Sms));
    }

    [Fact]
    public async Task RevocationPhrase_IsOnlyFlagged_WhenTenantPolicyIsOff()
    {
        var (tenantId, phone, sms) = await NewConversationAsync(Channel.Sms,
            s => s with { KeywordReplies = s.KeywordReplies with { TreatRevocationPhrasesAsOptOut = false } }, optIn: false);

        var result = await sms.ReceiveAsync(Inbound("SM-phrase", "please stop texting me"));

        Assert.True(result.RevocationPhraseDetected);
        Assert.Equal(KeywordKind.None, result.Keyword);
        var lead = await fixture.Grains.GetGrain<ILeadGrain>(GrainKeys.Lead(tenantId, phone)).GetAsync();
        Assert.Equal(ConsentStatus.Unknown, lead.ConsentOn(Channel.Sms));
    }

    [Fact]
    public async Task Start_AfterStop_ResubscribesThatChannel()
    {
        var (tenantId, phone, sms) = await NewConversationAsync(Channel.Sms);
        await sms.ReceiveAsync(Inbound("SM-1", "stop"));

        var start = await sms.ReceiveAsync(Inbound("SM-2", "START"));
        var send = await sms.SendAsync(new OutboundRequest(null, "Welcome back!", null, null));

        Assert.Equal(KeywordKind.OptIn, start.Keyword);
        Assert.Single(start.AutoReplyIds);
        Assert.Equal(SendDisposition.Queued, send.Disposition);
        var lead = await fixture.Grains.GetGrain<ILeadGrain>(GrainKeys.Lead(tenantId, phone)).GetAsync();
        Assert.Equal(ConsentStatus.OptedIn, lead.ConsentOn(Channel.Sms));
        Assert.Equal(ConsentStatus.OptedOut, lead.ConsentOn(Channel.WhatsApp));
    }

    [Fact]
    public async Task Send_ToLeadWithoutConsentWhoNeverWrote_IsRefused()
    {
        var (_, _, sms) = await NewConversationAsync(Channel.Sms, optIn: false);

        var result = await sms.SendAsync(new OutboundRequest(null, "Hi!", null, null));

        Assert.Equal((SendDisposition.Rejected, RejectionCode.NoConsent), (result.Disposition, result.Rejection));
    }

    [Fact]
    public async Task WhatsApp_FreeFormOutsideWindow_IsRefused_TemplateIsNot()
    {
        var (_, _, whatsApp) = await NewConversationAsync(Channel.WhatsApp);

        var freeForm = await whatsApp.SendAsync(new OutboundRequest(null, "Hello!", null, null));
        var template = await whatsApp.SendAsync(new OutboundRequest(null, null, new TemplateRef("lead_followup", "en_US", ["Ana"]), null));
        await whatsApp.ReceiveAsync(Inbound("wamid.1", "Hi, is it still available?", Provider.Meta));
        var afterInbound = await whatsApp.SendAsync(new OutboundRequest(null, "Yes it is!", null, null));

        Assert.Equal((SendDisposition.Rejected, RejectionCode.WhatsAppWindowClosed), (freeForm.Disposition, freeForm.Rejection));
        Assert.Contains("24 hours", freeForm.Reason, StringComparison.Ordinal);
        Assert.Equal(SendDisposition.Queued, template.Disposition);
        Assert.Equal(SendDisposition.Queued, afterInbound.Disposition);
    }

    [Fact]
    public async Task Send_InQuietHours_IsScheduledForTheNextAllowedInstant()
    {
        var now = DateTimeOffset.UtcNow;
        var opens = now.TimeOfDay + TimeSpan.FromHours(2);
        var quiet = new QuietHoursSettings(true, Wrap(opens), Wrap(opens + TimeSpan.FromHours(1)));
        var (tenantId, _, sms) = await NewConversationAsync(Channel.Sms, s => s with { QuietHours = quiet }, timeZone: "Etc/UTC");

        var result = await sms.SendAsync(new OutboundRequest(null, "Good morning!", null, null));

        Assert.Equal(SendDisposition.Scheduled, result.Disposition);
        var expected = now.UtcDateTime.Date + Wrap(opens) + (Wrap(opens) < now.TimeOfDay ? TimeSpan.FromDays(1) : TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(expected, TimeSpan.Zero), result.ScheduledFor);
        Assert.Equal(["scheduled"], (await fixture.Database.RowsAsync(
            "SELECT status FROM message_log WHERE message_id = $1", result.MessageId)).Select(r => r[0]));
        Assert.Single((await fixture.Grains.GetGrain<IConversationGrain>(sms.GetPrimaryKeyString()).GetAsync()).Pending);
        _ = tenantId;
    }

    [Fact]
    public async Task ScheduledSend_IsReleasedWhenTheWindowOpens_NotBefore()
    {
        var now = DateTimeOffset.UtcNow;
        var opens = now.TimeOfDay + TimeSpan.FromSeconds(70);
        var quiet = new QuietHoursSettings(true, Wrap(opens), Wrap(opens + TimeSpan.FromHours(2)));
        var (_, _, sms) = await NewConversationAsync(Channel.Sms, s => s with { QuietHours = quiet }, timeZone: "Etc/UTC");
        var scheduled = await sms.SendAsync(new OutboundRequest(null, "It is morning now", null, null));

        var releasedAt = await WaitForStatusAsync(scheduled.MessageId, "queued", TimeSpan.FromMinutes(4));

        Assert.Equal(SendDisposition.Scheduled, scheduled.Disposition);
        Assert.True(releasedAt >= scheduled.ScheduledFor, $"released at {releasedAt:o}, before {scheduled.ScheduledFor:o}");
        Assert.Empty((await sms.GetAsync()).Pending);
    }

    [Fact]
    public async Task ScheduledSend_RetriedAfterItsScheduleWriteFailed_IsStillReleased()
    {
        var (_, _, sms) = await NewConversationAsync(Channel.Sms);
        var send = new OutboundRequest("later-1", "See you at three", null, DateTimeOffset.UtcNow.AddSeconds(3));

        // The schedule write fails (as when the silo dies there); the client retries with the same key
        // against a new activation.
        await fixture.FailNextStateWriteAsync("conversation", sms.GetPrimaryKeyString());
        await Assert.ThrowsAnyAsync<Exception>(() => sms.SendAsync(send));
        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var retried = await sms.SendAsync(send);

        Assert.Equal(SendDisposition.Scheduled, retried.Disposition);
        Assert.NotNull(retried.ScheduledFor);
        await WaitForStatusAsync(retried.MessageId, "queued", TimeSpan.FromMinutes(2));
        Assert.Empty((await sms.GetAsync()).Pending);
    }

    [Fact]
    public async Task ProviderUnsubscribedError_OptsTheLeadOut()
    {
        var (tenantId, phone, sms) = await NewConversationAsync(Channel.Sms);

        var result = await sms.ApplyStatusAsync(new StatusReport(Provider.Twilio, "SM-unknown", DeliveryStatus.Failed, "21610", DateTimeOffset.UtcNow));

        Assert.True(result.LeadOptedOut);
        var lead = await fixture.Grains.GetGrain<ILeadGrain>(GrainKeys.Lead(tenantId, phone)).GetAsync();
        Assert.Equal(ConsentStatus.OptedOut, lead.ConsentOn(Channel.Sms));
        Assert.Equal(1, await fixture.Database.CountAsync(
            "SELECT count(*) FROM consent_ledger WHERE tenant_id = $1 AND lead_phone = $2 AND source = 'provider_error' AND channel = 'sms'", tenantId, phone));
    }

    [Fact]
    public async Task OrdinaryTraffic_KeepsABoundedWindow_AndNeverWritesConversationState()
    {
        var (_, _, sms) = await NewConversationAsync(Channel.Sms);

        for (var i = 0; i < 25; i++)
        {
            await sms.ReceiveAsync(Inbound($"SM-{i}", $"message {i}"));
        }

        var snapshot = await sms.GetAsync();
        Assert.Equal(20, snapshot.Recent.Count);
        Assert.Equal("message 24", snapshot.Recent[^1].Body);
        Assert.Equal(0, await fixture.Database.CountAsync(
            "SELECT count(*) FROM OrleansStorage WHERE GrainTypeString = 'conversation' AND GrainIdExtensionString = $1", sms.GetPrimaryKeyString()));
    }

    private async Task<DateTimeOffset> WaitForStatusAsync(Guid messageId, string status, TimeSpan timeout)
    {
        var deadline = DateTimeOffset.UtcNow + timeout;
        while (DateTimeOffset.UtcNow < deadline)
        {
            var rows = await fixture.Database.RowsAsync("SELECT status, updated_at FROM message_log WHERE message_id = $1", messageId);
            if (rows.Count == 1 && (string)rows[0][0]! == status)
            {
                return new DateTimeOffset((DateTime)rows[0][1]!, TimeSpan.Zero);
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }

        throw new TimeoutException($"message {messageId} did not reach '{status}' within {timeout}");
    }

    private async Task<(string TenantId, string Phone, IConversationGrain Grain)> NewConversationAsync(
        Channel channel, Func<TenantSettings, TenantSettings>? customize = null, bool optIn = true, string? timeZone = null)
    {
        var tenantId = await TestTenants.CreateAsync(fixture.Grains, customize);
        var phone = TestTenants.NewPhone();
        var lead = fixture.Grains.GetGrain<ILeadGrain>(GrainKeys.Lead(tenantId, phone));
        await lead.UpsertAsync(new LeadProfilePatch(TimeZone: timeZone));
        if (optIn)
        {
            await lead.RecordConsentAsync(new ConsentChange($"form-{Guid.NewGuid():N}", null, ConsentStatus.OptedIn, ConsentSource.Form, "signup form", DateTimeOffset.UtcNow));
        }

        return (tenantId, phone, fixture.Grains.GetGrain<IConversationGrain>(GrainKeys.Conversation(tenantId, phone, channel)));
    }

    private static InboundMessage Inbound(string id, string body, Provider provider = Provider.Twilio) =>
        new(provider, id, "text", body, DateTimeOffset.UtcNow, null);

    private static TimeSpan Wrap(TimeSpan timeOfDay) => TimeSpan.FromTicks(timeOfDay.Ticks % TimeSpan.TicksPerDay);
}
