using System.Text.Json;
using Engine.Gateway.Grpc.V1;
using Engine.Gateway.Tests.Webhooks;
using Grpc.Core;

namespace Engine.Gateway.Tests.Grpc;

[Collection(GatewayCollection.Name)]
public sealed class WebhookServiceTests(GatewayFixture fixture)
{
    private WebhookService.WebhookServiceClient Webhooks => new(fixture.Grpc);

    [Fact]
    public async Task ListRejectedWebhooks_NeedsTheAdminRoleOfThatTenant()
    {
        var (tenant, other) = (await fixture.CreateTenantAsync(), await fixture.CreateTenantAsync());
        var (messaging, _) = await fixture.CreateKeyAsync(tenant.Id, ApiKeyRole.Messaging, ApiKeyRole.EventsRead);
        var (admin, _) = await fixture.CreateKeyAsync(tenant.Id, ApiKeyRole.Admin);
        var (otherAdmin, _) = await fixture.CreateKeyAsync(other.Id, ApiKeyRole.Admin);
        var request = new ListRejectedWebhooksRequest { TenantId = tenant.Id };

        await GrpcAssert.FailsWithAsync(StatusCode.Unauthenticated, () => Webhooks.ListRejectedWebhooksAsync(request).ResponseAsync);
        await GrpcAssert.FailsWithAsync(StatusCode.PermissionDenied, () => Webhooks.ListRejectedWebhooksAsync(request, messaging).ResponseAsync, "Admin");
        await GrpcAssert.FailsWithAsync(StatusCode.PermissionDenied, () => Webhooks.ListRejectedWebhooksAsync(request, otherAdmin).ResponseAsync, "another tenant");
        Assert.Empty((await Webhooks.ListRejectedWebhooksAsync(request, admin)).Items);
        Assert.Empty((await Webhooks.ListRejectedWebhooksAsync(request, fixture.AdminAuth)).Items);
    }

    [Fact]
    public async Task ListRejectedWebhooks_UnknownTenantOrBadPaging_SaysWhich()
    {
        var tenant = await fixture.CreateTenantAsync();

        await GrpcAssert.FailsWithAsync(StatusCode.NotFound,
            () => Webhooks.ListRejectedWebhooksAsync(new ListRejectedWebhooksRequest { TenantId = "no-such-tenant" }, fixture.AdminAuth).ResponseAsync, "no-such-tenant");
        await GrpcAssert.FailsWithAsync(StatusCode.InvalidArgument,
            () => Webhooks.ListRejectedWebhooksAsync(new ListRejectedWebhooksRequest { TenantId = "Not A Tenant" }, fixture.AdminAuth).ResponseAsync, "tenant_id");
        foreach (var size in new[] { -1, 201 })
        {
            await GrpcAssert.FailsWithAsync(StatusCode.InvalidArgument,
                () => Webhooks.ListRejectedWebhooksAsync(new ListRejectedWebhooksRequest { TenantId = tenant.Id, PageSize = size }, fixture.AdminAuth).ResponseAsync, "page_size");
        }

        await GrpcAssert.FailsWithAsync(StatusCode.InvalidArgument,
            () => Webhooks.ListRejectedWebhooksAsync(new ListRejectedWebhooksRequest { TenantId = tenant.Id, PageToken = "bm90IGEgdG9rZW4=" }, fixture.AdminAuth).ResponseAsync, "page_token");
    }

    [Fact]
    public async Task ListRejectedWebhooks_PagesNewestFirst_WithoutGapsOrRepeats()
    {
        var tenant = await fixture.CreateTenantAsync();
        var sids = Enumerable.Range(0, 5).Select(i => $"SM{i}{Guid.NewGuid():N}").ToArray();
        foreach (var sid in sids)
        {
            var fields = Signed.TwilioInbound(sid, "+12125550142", "no sender").Where(f => f.Key != "From").ToList();
            var response = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", fields));
            response.EnsureSuccessStatusCode();
        }

        var seen = new List<string>();
        var pageSizes = new List<int>();
        var token = "";
        do
        {
            var page = await Webhooks.ListRejectedWebhooksAsync(new ListRejectedWebhooksRequest { TenantId = tenant.Id, PageSize = 2, PageToken = token }, fixture.AdminAuth);
            seen.AddRange(page.Items.Select(item => JsonDocument.Parse(item.Raw).RootElement.GetProperty("MessageSid").GetString()!));
            pageSizes.Add(page.Items.Count);
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        Assert.Equal([2, 2, 1], pageSizes);
        Assert.Equal(sids.Reverse(), seen);
    }
}
