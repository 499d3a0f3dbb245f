using Engine.Gateway.Grpc.V1;
using Engine.TestSupport;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Engine.Gateway.Tests.Grpc;

[Collection(GatewayCollection.Name)]
public sealed class ApiKeyLifetimeTests(GatewayFixture fixture)
{
    private TenantService.TenantServiceClient Tenants => new(fixture.Grpc);
    private LeadService.LeadServiceClient Leads => new(fixture.Grpc);

    [Fact]
    public async Task KeyPastItsExpiry_IsUnauthenticated_SayingItExpired()
    {
        var tenant = await fixture.CreateTenantAsync();
        var expiresAt = DateTimeOffset.UtcNow.AddSeconds(10);
        var created = await Tenants.CreateApiKeyAsync(new CreateApiKeyRequest
        {
            TenantId = tenant.Id, Name = "contractor", Roles = { ApiKeyRole.Messaging }, ExpiresAt = Timestamp.FromDateTimeOffset(expiresAt),
        }, fixture.AdminAuth);
        var key = new Metadata { { "authorization", $"Bearer {created.Secret}" } };

        await Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenant.Id, Phone = "+12125550181" }, key);
        var refusal = await Eventually.GetAsync(
            async () =>
            {
                try
                {
                    await Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenant.Id, Phone = "+12125550181" }, key);
                    return null;
                }
                catch (RpcException e)
                {
                    return e;
                }
            },
            e => e is not null, TimeSpan.FromSeconds(60), "the key to be refused after its expiry");

        Assert.Equal(StatusCode.Unauthenticated, refusal!.StatusCode);
        Assert.Contains($"API key {created.Key.KeyId} expired at", refusal.Status.Detail, StringComparison.Ordinal);
        Assert.True(DateTimeOffset.UtcNow >= expiresAt);
        var shown = Assert.Single((await Tenants.GetTenantAsync(new GetTenantRequest { TenantId = tenant.Id }, fixture.AdminAuth)).ApiKeys, k => k.KeyId == created.Key.KeyId);
        Assert.Equal(Timestamp.FromDateTimeOffset(expiresAt), shown.ExpiresAt);
    }

    [Fact]
    public async Task ExpiryInThePast_IsInvalidArgument()
    {
        var tenant = await fixture.CreateTenantAsync();

        await GrpcAssert.FailsWithAsync(StatusCode.InvalidArgument, () => Tenants.CreateApiKeyAsync(new CreateApiKeyRequest
        {
            TenantId = tenant.Id, Name = "late", Roles = { ApiKeyRole.Messaging }, ExpiresAt = Timestamp.FromDateTimeOffset(DateTimeOffset.UtcNow.AddMinutes(-1)),
        }, fixture.AdminAuth).ResponseAsync, "expires_at: must be in the future");
    }

    [Fact]
    public async Task KeyUse_ShowsAsLastUsed_RecordedOnceAMinuteNotOnEveryCall()
    {
        var tenant = await fixture.CreateTenantAsync();
        var (key, keyId) = await fixture.CreateKeyAsync(tenant.Id, ApiKeyRole.Messaging);
        Assert.Null((await KeyAsync(tenant.Id, keyId)).LastUsedAt);
        var beforeUse = DateTimeOffset.UtcNow;

        await Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenant.Id, Phone = "+12125550182" }, key);

        var firstUse = (await Eventually.GetAsync(() => KeyAsync(tenant.Id, keyId), k => k.LastUsedAt is not null, TimeSpan.FromSeconds(20), "the key's last use recorded"))
            .LastUsedAt.ToDateTimeOffset();
        Assert.InRange(firstUse, beforeUse.AddSeconds(-1), DateTimeOffset.UtcNow);
        for (var i = 0; i < 10; i++)
        {
            await Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenant.Id, Phone = "+12125550182" }, key);
        }

        // Within the minute the later calls change nothing stored (the tenant grain would have been written ten times).
        Assert.True(DateTimeOffset.UtcNow - firstUse < TimeSpan.FromMinutes(1), "the calls took a minute; the assertion below would not mean anything");
        Assert.Equal(firstUse, (await KeyAsync(tenant.Id, keyId)).LastUsedAt.ToDateTimeOffset());
    }

    private async Task<ApiKey> KeyAsync(string tenantId, string keyId) =>
        Assert.Single((await Tenants.GetTenantAsync(new GetTenantRequest { TenantId = tenantId }, fixture.AdminAuth)).ApiKeys, k => k.KeyId == keyId);
}
