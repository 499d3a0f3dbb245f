using System.Net;
using Engine.Gateway.Grpc.V1;
using Engine.Gateway.Tests.Grpc;
using Engine.TestSupport;
using Grpc.Core;

namespace Engine.Gateway.Tests.Webhooks;

/// <summary>
/// WhatsApp users who adopted a username: webhooks shaped like Meta's that carry a business-scoped
/// user id instead of, or beside, the phone number; replies to them; their consent.
/// </summary>
[Collection(GatewayCollection.Name)]
public sealed class WhatsAppUserIdTests(GatewayFixture fixture)
{
    private LeadService.LeadServiceClient Leads => new(fixture.Grpc);
    private ConversationService.ConversationServiceClient Conversations => new(fixture.Grpc);

    [Fact]
    public async Task MessageWithOnlyAUserId_IsStored_OnALeadKnownByThatId_WithItsUsername()
    {
        var tenant = await fixture.CreateTenantAsync();
        var userId = NewUserId();

        var response = await PostAsync(tenant, Message($"\"from_user_id\":\"{userId}\"", "Is the flat still free?"), Contact(userId, username: "@ana.lima"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal([[userId, "whatsapp", "Is the flat still free?"]],
            await fixture.Database.TextRowsAsync("SELECT lead_phone, channel, body_sealed FROM message_log WHERE tenant_id = $1", tenant.Id));
        var lead = await Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenant.Id, WhatsappUserId = userId }, fixture.AdminAuth);
        Assert.Equal(("", userId, "ana.lima", "Ana"), (lead.Phone, lead.WhatsappUserId, lead.Username, lead.Name));
        Assert.Empty(await fixture.ListRejectedAsync(tenant));
    }

    [Fact]
    public async Task EraseByUserId_RemovesTheLead_ItsMessages_AndTheUserIdsLink()
    {
        var tenant = await fixture.CreateTenantAsync();
        var userId = NewUserId();
        await PostAsync(tenant, Message($"\"from_user_id\":\"{userId}\"", "please forget me"), Contact(userId, username: "@forget.me"));

        var erased = await Leads.EraseLeadAsync(new EraseLeadRequest { TenantId = tenant.Id, WhatsappUserId = userId }, fixture.AdminAuth);

        Assert.Equal(1, erased.Removed["message_log"]);
        await Engine.Gateway.Tests.Grpc.GrpcAssert.FailsWithAsync(global::Grpc.Core.StatusCode.NotFound,
            () => Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenant.Id, WhatsappUserId = userId }, fixture.AdminAuth).ResponseAsync, "lead");
        Assert.Equal(0, await fixture.Database.CountAsync(
            "SELECT count(*) FROM OrleansStorage WHERE strpos(GrainIdExtensionString, $1) > 0 OR position(convert_to($1, 'UTF8') in PayloadBinary) > 0", userId));
    }

    [Fact]
    public async Task UserIdInFrom_AndInFromUserId_AreTheSameLeadAndConversation()
    {
        var tenant = await fixture.CreateTenantAsync();
        var userId = NewUserId();

        await PostAsync(tenant, Message($"\"from\":\"{userId}\"", "first"));
        await PostAsync(tenant, Message($"\"from_user_id\":\"{userId}\"", "second"));

        Assert.Equal([[userId, "first"], [userId, "second"]], await BodiesAsync(tenant));
    }

    [Fact]
    public async Task UserIdFirst_ThenNumberAndUserId_ReachesTheSameLead_WhichLearnsTheNumber()
    {
        var tenant = await fixture.CreateTenantAsync();
        var (userId, phone) = (NewUserId(), NewPhoneDigits());

        await PostAsync(tenant, Message($"\"from_user_id\":\"{userId}\"", "first"));
        await PostAsync(tenant, Message($"\"from\":\"{phone}\",\"from_user_id\":\"{userId}\"", "second"), Contact(userId, waId: phone));

        Assert.Equal([[userId, "first"], [userId, "second"]], await BodiesAsync(tenant));
        var lead = await Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenant.Id, WhatsappUserId = userId }, fixture.AdminAuth);
        Assert.Equal(("+" + phone, userId), (lead.Phone, lead.WhatsappUserId));
        Assert.Equal(["America/New_York"], lead.EffectiveTimeZones); // from the number, once it is known
    }

    [Fact]
    public async Task NumberAndUserIdFirst_ThenOnlyTheUserId_ReachesTheNumbersLead()
    {
        var tenant = await fixture.CreateTenantAsync();
        var (userId, phone) = (NewUserId(), NewPhoneDigits());

        await PostAsync(tenant, Message($"\"from\":\"{phone}\",\"from_user_id\":\"{userId}\"", "first"));
        await PostAsync(tenant, Message($"\"from_user_id\":\"{userId}\"", "second"));

        Assert.Equal([["+" + phone, "first"], ["+" + phone, "second"]], await BodiesAsync(tenant));
        var lead = await Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenant.Id, Phone = "+" + phone }, fixture.AdminAuth);
        Assert.Equal(userId, lead.WhatsappUserId);
    }

    [Fact]
    public async Task ParentUserIdOnly_ThenUserIdWithParent_AreTheSameLead()
    {
        var tenant = await fixture.CreateTenantAsync();
        var (userId, parentId) = (NewUserId(), $"US.ENT.{Random.Shared.Next(1_000_000, 9_999_999)}");

        await PostAsync(tenant, Message($"\"from_parent_user_id\":\"{parentId}\"", "first"));
        await PostAsync(tenant, Message($"\"from_user_id\":\"{userId}\",\"from_parent_user_id\":\"{parentId}\"", "second"));
        await PostAsync(tenant, Message($"\"from_user_id\":\"{userId}\"", "third"));

        Assert.Equal([[parentId, "first"], [parentId, "second"], [parentId, "third"]], await BodiesAsync(tenant));
    }

    [Fact]
    public async Task ReplyToAUserId_ReachesMetaAsRecipient_AndItsStatusesApply()
    {
        var tenant = await fixture.CreateTenantAsync();
        var userId = NewUserId();
        await PostAsync(tenant, Message($"\"from_user_id\":\"{userId}\"", "Can I see it Saturday?"));

        var sent = await Conversations.SendMessageAsync(new SendMessageRequest
        {
            TenantId = tenant.Id, WhatsappUserId = userId, Channel = Channel.Whatsapp, Body = "Saturday 10:00 works.",
        }, fixture.AdminAuth);

        var atMeta = await Eventually.GetAsync(() => Task.FromResult(fixture.Simulator.Simulator.Sent.Where(m => m.To == userId).ToArray()),
            m => m.Length == 1, TimeSpan.FromSeconds(20), "the reply to reach the simulator with 'recipient' set");
        Assert.Equal("Saturday 10:00 works.", atMeta[0].Body);
        await Eventually.GetAsync(
            () => fixture.Database.TextRowsAsync("SELECT status FROM message_log WHERE message_id = $1::uuid", sent.MessageId),
            rows => rows is [["read"]], TimeSpan.FromSeconds(20), "the simulator's statuses, addressed to the user id, to apply");
    }

    [Fact]
    public async Task UserIdInASendResponse_LinksIt_SoAWebhookWithOnlyThatIdReachesTheNumbersLead()
    {
        var tenant = await fixture.CreateTenantAsync();
        var (userId, phone) = (NewUserId(), NewPhoneDigits());
        fixture.Simulator.Simulator.WhatsAppUserIds["+" + phone] = userId;
        await PostAsync(tenant, Message($"\"from\":\"{phone}\"", "hello"));
        await Conversations.SendMessageAsync(new SendMessageRequest { TenantId = tenant.Id, Phone = "+" + phone, Channel = Channel.Whatsapp, Body = "Hi!" }, fixture.AdminAuth);

        await Eventually.GetAsync(
            async () => (await Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenant.Id, Phone = "+" + phone }, fixture.AdminAuth)).WhatsappUserId,
            id => id == userId, TimeSpan.FromSeconds(20), "the lead to learn the user id from the send response");
        await PostAsync(tenant, Message($"\"from_user_id\":\"{userId}\"", "it's me again"));

        Assert.Equal([["+" + phone, "hello"], ["+" + phone, "it's me again"]],
            (await fixture.Database.TextRowsAsync("SELECT lead_phone, body_sealed FROM message_log WHERE tenant_id = $1 AND direction = 'inbound'", tenant.Id))
                .OrderBy(row => row[1], StringComparer.Ordinal));
    }

    [Fact]
    public async Task StopFromAUserIdOnlyLead_OptsItOut_AndRefusesLaterSends()
    {
        var tenant = await fixture.CreateTenantAsync();
        var userId = NewUserId();

        await PostAsync(tenant, Message($"\"from_user_id\":\"{userId}\"", "STOP"));

        var lead = await Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenant.Id, WhatsappUserId = userId }, fixture.AdminAuth);
        Assert.Contains(lead.Consent, c => c.Channel == Channel.Whatsapp && c.Status == ConsentStatus.OptedOut);
        await GrpcAssert.FailsWithAsync(StatusCode.FailedPrecondition, () => Conversations.SendMessageAsync(new SendMessageRequest
        {
            TenantId = tenant.Id, WhatsappUserId = userId, Channel = Channel.Whatsapp, Template = new Template { Name = "new_listing", Language = "en_US" },
        }, fixture.AdminAuth).ResponseAsync);
        await Eventually.GetAsync(() => Task.FromResult(fixture.Simulator.Simulator.Sent.Where(m => m.To == userId).ToArray()),
            m => m.Length == 1, TimeSpan.FromSeconds(20), "the STOP confirmation, and nothing else, to reach the user");
    }

    [Fact]
    public async Task UserIdOnSms_OrBesideAPhone_IsInvalidArgument_NamingTheField()
    {
        var tenant = await fixture.CreateTenantAsync();
        var userId = NewUserId();

        await GrpcAssert.FailsWithAsync(StatusCode.InvalidArgument, () => Conversations.SendMessageAsync(new SendMessageRequest
        {
            TenantId = tenant.Id, WhatsappUserId = userId, Channel = Channel.Sms, Body = "hi",
        }, fixture.AdminAuth).ResponseAsync, "channel");
        await GrpcAssert.FailsWithAsync(StatusCode.InvalidArgument, () => Leads.UpsertLeadAsync(new UpsertLeadRequest
        {
            TenantId = tenant.Id, WhatsappUserId = userId, Phone = "+14155550123",
        }, fixture.AdminAuth).ResponseAsync, "whatsapp_user_id");
        await GrpcAssert.FailsWithAsync(StatusCode.InvalidArgument, () => Leads.GetLeadAsync(new GetLeadRequest
        {
            TenantId = tenant.Id, WhatsappUserId = "ana.lima",
        }, fixture.AdminAuth).ResponseAsync, "whatsapp_user_id");
    }

    private async Task<HttpResponseMessage> PostAsync(TestTenant tenant, string message, string? contact = null)
    {
        var change = $$$"""
            {"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"{{{tenant.PhoneNumberId}}}"},
              "contacts":[{{{contact ?? ""}}}],"messages":[{{{message}}}]}}
            """;
        var response = await fixture.Http.SendAsync(Signed.Meta(tenant, WhatsAppPayloads.Notification("waba", [change])));
        response.EnsureSuccessStatusCode();
        return response;
    }

    private static string Message(string sender, string body) =>
        $$$"""{{{{sender}}},"id":"wamid.{{{Guid.NewGuid():N}}}","timestamp":"{{{DateTimeOffset.UtcNow.ToUnixTimeSeconds()}}}","type":"text","text":{"body":"{{{body}}}"}}""";

    private static string Contact(string userId, string? username = null, string? waId = null) =>
        $$$"""{"profile":{"name":"Ana"{{{(username is null ? "" : $",\"username\":\"{username}\"")}}}},"user_id":"{{{userId}}}"{{{(waId is null ? "" : $",\"wa_id\":\"{waId}\"")}}}}""";

    private async Task<List<string?[]>> BodiesAsync(TestTenant tenant) =>
        [.. (await fixture.Database.TextRowsAsync("SELECT lead_phone, body_sealed FROM message_log WHERE tenant_id = $1", tenant.Id)).OrderBy(row => row[1], StringComparer.Ordinal)];

    private static string NewUserId() => $"US.{Random.Shared.NextInt64(1_000_000_000_000, 9_999_999_999_999)}";

    // New York numbers no other test class uses.
    private static int _lastLine = 3000;

    private static string NewPhoneDigits() => $"1718555{Interlocked.Increment(ref _lastLine):D4}";
}
