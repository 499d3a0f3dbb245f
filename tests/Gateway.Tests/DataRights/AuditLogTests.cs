using Engine.Gateway.Grpc.V1;
using Engine.Gateway.Tests.Grpc;
using Engine.TestSupport;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;
using Npgsql;

namespace Engine.Gateway.Tests.DataRights;

[Collection(GatewayCollection.Name)]
public sealed class AuditLogTests(GatewayFixture fixture)
{
    private TenantService.TenantServiceClient Tenants => new(fixture.Grpc);

    [Fact]
    public async Task EveryAdministrativeAction_IsListedInOrder_WithTheKeyThatActed_AndNoSecret()
    {
        var tenant = await fixture.CreateTenantAsync();
        var (admin, adminKeyId) = await fixture.CreateKeyAsync(tenant.Id, ApiKeyRole.Admin, ApiKeyRole.Messaging);
        var settings = (await Tenants.GetTenantAsync(new GetTenantRequest { TenantId = tenant.Id }, admin)).Settings;
        settings.Sms.AuthToken = $"rotated-{Guid.NewGuid():N}";
        settings.DefaultTimeZone = "America/Chicago";

        await Tenants.UpdateTenantSettingsAsync(new UpdateTenantSettingsRequest { TenantId = tenant.Id, Settings = settings }, admin);
        var created = await Tenants.CreateApiKeyAsync(new CreateApiKeyRequest { TenantId = tenant.Id, Name = "crm", Roles = { ApiKeyRole.Messaging } }, admin);
        await Tenants.RevokeApiKeyAsync(new RevokeApiKeyRequest { TenantId = tenant.Id, KeyId = created.Key.KeyId }, admin);
        var automations = new AutomationService.AutomationServiceClient(fixture.Grpc);
        await automations.PutPlaybookAsync(new PutPlaybookRequest
        {
            TenantId = tenant.Id,
            Playbook = new Playbook
            {
                PlaybookId = "welcome", Name = "welcome", Trigger = PlaybookTrigger.LeadCreated, Channel = Channel.Sms,
                Steps = { new PlaybookStep { Delay = Duration.FromTimeSpan(TimeSpan.FromHours(1)), Body = "Welcome aboard" } },
            },
        }, admin);
        await automations.DeletePlaybookAsync(new DeletePlaybookRequest { TenantId = tenant.Id, PlaybookId = "welcome" }, admin);
        var webhooks = new PartnerWebhookService.PartnerWebhookServiceClient(fixture.Grpc);
        var subscription = await webhooks.CreateSubscriptionAsync(new CreateSubscriptionRequest { TenantId = tenant.Id, Url = "https://partner.example/hook" }, admin);
        await webhooks.DeleteSubscriptionAsync(new DeleteSubscriptionRequest { TenantId = tenant.Id, SubscriptionId = subscription.Subscription.SubscriptionId }, admin);
        await new LeadService.LeadServiceClient(fixture.Grpc).UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenant.Id, Phone = "+12125550171" }, admin);
        await new LeadService.LeadServiceClient(fixture.Grpc).RecordConsentAsync(new RecordConsentRequest
        {
            TenantId = tenant.Id, Phone = "+12125550171", Channel = Channel.Sms, Status = ConsentStatus.OptedIn, Source = ConsentSource.Form, Evidence = "web form #4411",
        }, admin);

        var entries = await ListAllAsync(tenant.Id, admin, pageSize: 3);
        Assert.Equal(
            [
                ("platform-admin", "tenant.created", tenant.Id),
                ("platform-admin", "api_key.created", adminKeyId),
                (adminKeyId, "tenant.settings_changed", tenant.Id),
                (adminKeyId, "api_key.created", created.Key.KeyId),
                (adminKeyId, "api_key.revoked", created.Key.KeyId),
                (adminKeyId, "playbook.put", "welcome"),
                (adminKeyId, "playbook.deleted", "welcome"),
                (adminKeyId, "webhook.subscribed", subscription.Subscription.SubscriptionId),
                (adminKeyId, "webhook.unsubscribed", subscription.Subscription.SubscriptionId),
                (adminKeyId, "consent.recorded", "+12125550171"),
            ],
            entries.Select(e => (e.ActorKeyId, e.Action, e.Subject)));
        Assert.Equal("changed: sms, default_time_zone", entries[2].Details);
        Assert.Contains("status: OptedIn", entries[9].Details, StringComparison.Ordinal);
        Assert.All(entries, e => Assert.True(e.OccurredAt is not null));
        var everything = string.Join("\n", entries.Select(e => e.ToString()));
        foreach (var secret in new[] { settings.Sms.AuthToken, tenant.TwilioAuthToken, tenant.MetaAppSecret, subscription.Secret, created.Secret, "Welcome aboard", "web form #4411" })
        {
            Assert.DoesNotContain(secret, everything, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task ListAuditLog_NeedsTheAdminRole_AndAPageTokenItIssued()
    {
        var tenant = await fixture.CreateTenantAsync();
        var (messaging, _) = await fixture.CreateKeyAsync(tenant.Id, ApiKeyRole.Messaging);

        await GrpcAssert.FailsWithAsync(StatusCode.PermissionDenied,
            () => Tenants.ListAuditLogAsync(new ListAuditLogRequest { TenantId = tenant.Id }, messaging).ResponseAsync, "Admin");
        await GrpcAssert.FailsWithAsync(StatusCode.InvalidArgument,
            () => Tenants.ListAuditLogAsync(new ListAuditLogRequest { TenantId = tenant.Id, PageToken = "nonsense" }, fixture.AdminAuth).ResponseAsync, "page_token");
        await GrpcAssert.FailsWithAsync(StatusCode.InvalidArgument,
            () => Tenants.ListAuditLogAsync(new ListAuditLogRequest { TenantId = tenant.Id, PageSize = 500 }, fixture.AdminAuth).ResponseAsync, "page_size");
    }

    [Theory]
    [InlineData("UPDATE audit_log SET action = 'nothing' WHERE tenant_id = $1")]
    [InlineData("DELETE FROM audit_log WHERE tenant_id = $1")]
    [InlineData("TRUNCATE audit_log")]
    public async Task AuditLog_RefusesChangesInTheDatabase(string sql)
    {
        var tenant = await fixture.CreateTenantAsync();

        var refused = await Assert.ThrowsAsync<PostgresException>(() => sql.Contains("$1", StringComparison.Ordinal)
            ? fixture.Database.CountAsync(sql, tenant.Id)
            : fixture.Database.CountAsync(sql));

        Assert.Contains("append-only", refused.MessageText, StringComparison.Ordinal);
        Assert.Single(await ListAllAsync(tenant.Id, fixture.AdminAuth, pageSize: 50), e => e.Action == "tenant.created");
    }

    private async Task<List<AuditEntry>> ListAllAsync(string tenantId, Metadata auth, int pageSize)
    {
        var entries = new List<AuditEntry>();
        var token = "";
        do
        {
            var page = await Tenants.ListAuditLogAsync(new ListAuditLogRequest { TenantId = tenantId, PageSize = pageSize, PageToken = token }, auth);
            Assert.True(page.Entries.Count <= pageSize);
            entries.AddRange(page.Entries);
            token = page.NextPageToken;
        }
        while (token.Length > 0);

        return entries;
    }
}
