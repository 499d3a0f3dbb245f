using Engine.TestSupport;
using Engine.Gateway.Grpc.V1;
using Google.Rpc;
using Grpc.Core;

namespace Engine.Gateway.Tests.Grpc;

[Collection(GatewayCollection.Name)]
public sealed class ConversationServiceTests(GatewayFixture fixture)
{
    private ConversationService.ConversationServiceClient Conversations => new(fixture.Grpc);
    private LeadService.LeadServiceClient Leads => new(fixture.Grpc);

    [Fact]
    public async Task Send_ToOptedInLead_IsQueued_AndLogged()
    {
        var (tenant, key, phone) = await OptedInLeadAsync();

        var sent = await Conversations.SendMessageAsync(new SendMessageRequest { TenantId = tenant, Phone = phone, Channel = Channel.Sms, Body = "Hi Ana, tour at 5?" }, key);

        Assert.Equal(SendStatus.Queued, sent.Status);
        var row = Assert.Single(await fixture.Database.TextRowsAsync(
            "SELECT status, body_sealed, direction FROM message_log WHERE message_id = $1::uuid", sent.MessageId));
        Assert.Equal(("Hi Ana, tour at 5?", "outbound"), (row[1], row[2]));
        Assert.Contains(row[0], new[] { "queued", "sending", "sent", "delivered" }); // the sender may already be at it
    }

    [Fact]
    public async Task SameIdempotencyKeyTwice_SendsOnce_AndReturnsTheFirstResult()
    {
        var (tenant, key, phone) = await OptedInLeadAsync();
        var request = new SendMessageRequest { TenantId = tenant, Phone = phone, Channel = Channel.Sms, Body = "Your code is 1234", IdempotencyKey = "otp-77" };

        var results = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => Conversations.SendMessageAsync(request, key).ResponseAsync));

        Assert.Single(results.Select(r => r.MessageId).Distinct());
        Assert.Equal(1, await fixture.Database.CountAsync("SELECT count(*) FROM message_log WHERE tenant_id = $1 AND direction = 'outbound'", tenant));
    }

    [Fact]
    public async Task Send_ToOptedOutLead_IsFailedPrecondition_WithTheReason()
    {
        var (tenant, key, phone) = await OptedInLeadAsync();
        await Leads.RecordConsentAsync(new RecordConsentRequest { TenantId = tenant, Phone = phone, Status = ConsentStatus.OptedOut, Source = ConsentSource.UserRequest }, key);

        var error = await GrpcAssert.FailsWithAsync(StatusCode.FailedPrecondition,
            () => Conversations.SendMessageAsync(new SendMessageRequest { TenantId = tenant, Phone = phone, Channel = Channel.Sms, Body = "Last chance!" }, key).ResponseAsync,
            "opted out");

        var info = GrpcAssert.Detail<ErrorInfo>(error); // as a client reads it: GetRpcStatus().GetDetail<ErrorInfo>()
        Assert.Equal(("OPTED_OUT", "engine.v1"), (info.Reason, info.Domain));
        Assert.True(Guid.TryParse(info.Metadata["message_id"], out _), info.ToString());
        Assert.Equal(0, await fixture.Database.CountAsync("SELECT count(*) FROM message_log WHERE tenant_id = $1", tenant));
    }

    [Fact]
    public async Task FreeFormWhatsAppOutsideTheWindow_IsFailedPrecondition()
    {
        var (tenant, key, phone) = await OptedInLeadAsync();

        await GrpcAssert.FailsWithAsync(StatusCode.FailedPrecondition,
            () => Conversations.SendMessageAsync(new SendMessageRequest { TenantId = tenant, Phone = phone, Channel = Channel.Whatsapp, Body = "Hello" }, key).ResponseAsync,
            "24 hours");
        var template = await Conversations.SendMessageAsync(new SendMessageRequest
        {
            TenantId = tenant, Phone = phone, Channel = Channel.Whatsapp,
            Template = new Template { Name = "lead_followup", Language = "en_US", Parameters = { "Ana" } },
        }, key);
        Assert.Equal(SendStatus.Queued, template.Status);
    }

    [Theory]
    [InlineData(1601, Channel.Sms)]
    [InlineData(4097, Channel.Whatsapp)]
    public async Task Body_OverTheChannelLimit_IsInvalidArgument(int length, Channel channel)
    {
        var (tenant, key, phone) = await OptedInLeadAsync();

        await GrpcAssert.FailsWithAsync(StatusCode.InvalidArgument,
            () => Conversations.SendMessageAsync(new SendMessageRequest { TenantId = tenant, Phone = phone, Channel = channel, Body = new string('x', length) }, key).ResponseAsync,
            $"body: has {length} characters");
    }

    [Fact]
    public async Task Send_WithoutChannel_OrToUnknownLead_IsRefusedClearly()
    {
        var (tenant, key, _) = await OptedInLeadAsync();

        await GrpcAssert.FailsWithAsync(StatusCode.InvalidArgument,
            () => Conversations.SendMessageAsync(new SendMessageRequest { TenantId = tenant, Phone = "+12125550100", Body = "hi" }, key).ResponseAsync, "channel:");
        await GrpcAssert.FailsWithAsync(StatusCode.NotFound,
            () => Conversations.SendMessageAsync(new SendMessageRequest { TenantId = tenant, Phone = "+12125550188", Channel = Channel.Sms, Body = "hi" }, key).ResponseAsync, "UpsertLead");
    }

    [Fact]
    public async Task GetConversation_PagesNewestFirst_WithoutGapsOrRepeats()
    {
        var (tenant, key, phone) = await OptedInLeadAsync();
        for (var i = 0; i < 5; i++)
        {
            await Conversations.SendMessageAsync(new SendMessageRequest { TenantId = tenant, Phone = phone, Channel = Channel.Sms, Body = $"message {i}" }, key);
        }

        var bodies = new List<string>();
        var token = "";
        var pages = 0;
        do
        {
            var page = await Conversations.GetConversationAsync(new GetConversationRequest { TenantId = tenant, Phone = phone, Channel = Channel.Sms, PageSize = 2, PageToken = token }, key);
            bodies.AddRange(page.Messages.Select(m => m.Body));
            token = page.NextPageToken;
            pages++;
        }
        while (token.Length > 0);

        Assert.Equal(3, pages);
        Assert.Equal(["message 4", "message 3", "message 2", "message 1", "message 0"], bodies);
    }

    [Fact]
    public async Task ListConversations_MostRecentFirst()
    {
        var (tenant, key, phone) = await OptedInLeadAsync();
        await Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenant, Phone = "+12125550177" }, key);
        await Leads.RecordConsentAsync(new RecordConsentRequest { TenantId = tenant, Phone = "+12125550177", Status = ConsentStatus.OptedIn, Source = ConsentSource.Form }, key);
        await Conversations.SendMessageAsync(new SendMessageRequest { TenantId = tenant, Phone = phone, Channel = Channel.Sms, Body = "older" }, key);
        await Conversations.SendMessageAsync(new SendMessageRequest { TenantId = tenant, Phone = "+12125550177", Channel = Channel.Sms, Body = "newer" }, key);

        var list = await Conversations.ListConversationsAsync(new ListConversationsRequest { TenantId = tenant, PageSize = 1 }, key);
        var next = await Conversations.ListConversationsAsync(new ListConversationsRequest { TenantId = tenant, PageSize = 1, PageToken = list.NextPageToken }, key);

        Assert.Equal("+12125550177", Assert.Single(list.Conversations).Phone);
        Assert.Equal(phone, Assert.Single(next.Conversations).Phone);
        Assert.Empty(next.NextPageToken);
    }

    [Fact]
    public async Task Send_WithoutContent_IsInvalidArgument_WithBadRequestNamingBody()
    {
        var (tenant, key, phone) = await OptedInLeadAsync();

        var error = await GrpcAssert.FailsWithAsync(StatusCode.InvalidArgument,
            () => Conversations.SendMessageAsync(new SendMessageRequest { TenantId = tenant, Phone = phone, Channel = Channel.Sms }, key).ResponseAsync, "body:");

        var violation = Assert.Single(GrpcAssert.Detail<BadRequest>(error).FieldViolations);
        Assert.Equal("body", violation.Field);
    }

    private async Task<(string Tenant, Metadata Key, string Phone)> OptedInLeadAsync()
    {
        var tenant = await fixture.CreateTenantAsync();
        var (key, _) = await fixture.CreateKeyAsync(tenant.Id, ApiKeyRole.Messaging);
        const string phone = "+12125550142";
        await Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenant.Id, Phone = phone, Name = "Ana" }, key);
        await Leads.RecordConsentAsync(new RecordConsentRequest { TenantId = tenant.Id, Phone = phone, Status = ConsentStatus.OptedIn, Source = ConsentSource.Form, Evidence = "form" }, key);
        return (tenant.Id, key, phone);
    }
}
