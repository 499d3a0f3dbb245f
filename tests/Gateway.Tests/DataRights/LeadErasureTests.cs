using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Engine.Gateway.Grpc.V1;
using Engine.Gateway.Tests.Grpc;
using Engine.Grains.Erasure;
using Engine.TestSupport;
using Grpc.Core;

namespace Engine.Gateway.Tests.DataRights;

/// <summary>LeadService.EraseLead end to end on PostgreSQL and Redis: what goes, what stays, who may ask.</summary>
[Collection(GatewayCollection.Name)]
public sealed class LeadErasureTests(GatewayFixture fixture)
{
    private LeadService.LeadServiceClient Leads => new(fixture.Grpc);

    [Fact]
    public async Task Erase_LeavesNoTraceButTheSuppression_AndTheOptOutStillHolds()
    {
        var tenant = await fixture.CreateTenantAsync();
        var lead = new ScriptedLead(fixture, tenant);
        await lead.RunAsync();
        Assert.NotEmpty(await PersonalDataScan.FindAsync(fixture.Database, fixture.Redis.Configuration, lead.Phone)); // the scan sees the person

        await Leads.ExportLeadAsync(new ExportLeadRequest { TenantId = tenant.Id, Phone = lead.Phone }, fixture.AdminAuth);

        var erased = await Leads.EraseLeadAsync(new EraseLeadRequest { TenantId = tenant.Id, Phone = lead.Phone }, fixture.AdminAuth);

        Assert.False(erased.AlreadyErased);
        // Both calls are audited; the entries that named the person no longer do.
        var audit = (await new TenantService.TenantServiceClient(fixture.Grpc).ListAuditLogAsync(
            new ListAuditLogRequest { TenantId = tenant.Id, PageSize = 200 }, fixture.AdminAuth)).Entries;
        Assert.Equal("erased", Assert.Single(audit, e => e.Action == "data.exported").Subject);
        Assert.Equal($"erasure/{erased.ErasureId}", Assert.Single(audit, e => e.Action == "data.erased").Subject);
        Assert.Contains(audit, e => e.Action == "consent.recorded" && e.Subject == "erased");
        foreach (var store in new[] { "message_log", "consent_ledger", "events", "automation_firings", "grain_state", "rejected_webhooks", "event_stream" })
        {
            Assert.True(erased.Removed.GetValueOrDefault(store) > 0, $"nothing removed from {store}: {erased.Removed}");
        }

        await GrpcAssert.FailsWithAsync(StatusCode.NotFound,
            () => Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenant.Id, Phone = lead.Phone }, fixture.AdminAuth).ResponseAsync, "lead");
        var leadErased = await ReadErasedEventAsync(tenant.Id);
        Assert.Equal(erased.ErasureId, leadErased.GetProperty("erasureId").GetString());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(lead.Phone))), leadErased.GetProperty("phoneSha256").GetString());
        Assert.Empty(await PersonalDataScan.FindAsync(fixture.Database, fixture.Redis.Configuration, lead.Phone));
        Assert.Equal(1, await fixture.Database.CountAsync(
            "SELECT count(*) FROM suppressions WHERE tenant_id = $1 AND address_hash = $2 AND channel = 'sms'", tenant.Id, erased.ErasureId));

        // The template scheduled before the erasure never leaves.
        await Task.Delay(lead.ScheduledFor - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(4));
        Assert.DoesNotContain(fixture.Simulator.Simulator.Sent, m => m.Template == lead.ScheduledTemplate);

        // The person writes again: they are a lead again, still opted out, and SMS to them is refused as such.
        await lead.InboundAsync($"SM{Guid.NewGuid():N}", "hi");
        var again = await Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenant.Id, Phone = lead.Phone }, fixture.AdminAuth);
        Assert.Equal(ConsentStatus.OptedOut, again.Consent.Single(c => c.Channel == Channel.Sms).Status);
        var refused = await GrpcAssert.FailsWithAsync(StatusCode.FailedPrecondition, () => new ConversationService.ConversationServiceClient(fixture.Grpc)
            .SendMessageAsync(new SendMessageRequest { TenantId = tenant.Id, Phone = lead.Phone, Channel = Channel.Sms, Body = "We miss you!" }, fixture.AdminAuth).ResponseAsync);
        Assert.Equal("OPTED_OUT", GrpcAssert.Reason(refused));
    }

    [Fact]
    public async Task ErasedNumber_WithoutNewContact_IsRefusedAsOptedOut_AndEraseIsIdempotent()
    {
        var tenant = await fixture.CreateTenantAsync();
        const string phone = "+12125550181";
        await Leads.RecordConsentAsync(new RecordConsentRequest
        {
            TenantId = tenant.Id, Phone = phone, Channel = Channel.Sms, Status = ConsentStatus.OptedOut, Source = ConsentSource.UserRequest, Evidence = "email to support",
        }, fixture.AdminAuth);

        var first = await Leads.EraseLeadAsync(new EraseLeadRequest { TenantId = tenant.Id, Phone = phone }, fixture.AdminAuth);
        var again = await Leads.EraseLeadAsync(new EraseLeadRequest { TenantId = tenant.Id, Phone = phone }, fixture.AdminAuth);

        Assert.True(again.AlreadyErased);
        Assert.Equal((first.ErasureId, first.ErasedAt), (again.ErasureId, again.ErasedAt));
        Assert.Equal(first.Removed, again.Removed);
        var refused = await GrpcAssert.FailsWithAsync(StatusCode.FailedPrecondition, () => new ConversationService.ConversationServiceClient(fixture.Grpc)
            .SendMessageAsync(new SendMessageRequest { TenantId = tenant.Id, Phone = phone, Channel = Channel.Sms, Body = "hello?" }, fixture.AdminAuth).ResponseAsync);
        Assert.Equal("OPTED_OUT", GrpcAssert.Reason(refused));
    }

    [Fact]
    public async Task Erase_UnknownLead_IsNotFound_AndNeedsTheAdminRole()
    {
        var tenant = await fixture.CreateTenantAsync();
        await Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenant.Id, Phone = "+12125550182", Name = "Kept" }, fixture.AdminAuth);
        var (messaging, _) = await fixture.CreateKeyAsync(tenant.Id, ApiKeyRole.Messaging);

        await GrpcAssert.FailsWithAsync(StatusCode.NotFound,
            () => Leads.EraseLeadAsync(new EraseLeadRequest { TenantId = tenant.Id, Phone = "+12125550183" }, fixture.AdminAuth).ResponseAsync, "lead");
        await GrpcAssert.FailsWithAsync(StatusCode.PermissionDenied,
            () => Leads.EraseLeadAsync(new EraseLeadRequest { TenantId = tenant.Id, Phone = "+12125550182" }, messaging).ResponseAsync, "Admin");
        await GrpcAssert.FailsWithAsync(StatusCode.InvalidArgument,
            () => Leads.EraseLeadAsync(new EraseLeadRequest { TenantId = tenant.Id, Phone = "not a number" }, fixture.AdminAuth).ResponseAsync, "phone");

        Assert.Equal("Kept", (await Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenant.Id, Phone = "+12125550182" }, fixture.AdminAuth)).Name);
    }

    [Fact]
    public async Task EraseInterruptedAfterItsJobWasWritten_IsFinishedByTheNextCall()
    {
        var tenant = await fixture.CreateTenantAsync();
        const string phone = "+12125550184";
        await Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenant.Id, Phone = phone, Name = "Half Erased" }, fixture.AdminAuth);
        await WriteUnfinishedJobAsync(tenant.Id, phone, TimeSpan.Zero);

        var erased = await Leads.EraseLeadAsync(new EraseLeadRequest { TenantId = tenant.Id, Phone = phone }, fixture.AdminAuth);

        Assert.False(erased.AlreadyErased);
        Assert.True(erased.Removed["events"] > 0);
        await GrpcAssert.FailsWithAsync(StatusCode.NotFound,
            () => Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenant.Id, Phone = phone }, fixture.AdminAuth).ResponseAsync, "lead");
        Assert.Equal(["crashed-key"], (await fixture.Database.TextRowsAsync(
            "SELECT requested_by FROM erasure_jobs WHERE tenant_id = $1 AND finished_at IS NOT NULL AND lead_address IS NULL", tenant.Id)).Select(r => r[0]));
    }

    [Fact]
    public async Task EraseInterruptedAndNeverCalledAgain_IsFinishedByTheResumer()
    {
        var tenant = await fixture.CreateTenantAsync();
        const string phone = "+12125550185";
        await Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenant.Id, Phone = phone, Name = "Left Behind" }, fixture.AdminAuth);
        await WriteUnfinishedJobAsync(tenant.Id, phone, TimeSpan.FromMinutes(5));

        await fixture.Cluster.GetGrain<IErasureResumerGrain>(0).WatchAsync(); // what the crashed erasure had done before its job row

        await Eventually.GetAsync(() => fixture.Database.CountAsync("SELECT count(*) FROM erasure_jobs WHERE tenant_id = $1 AND finished_at IS NOT NULL", tenant.Id),
            n => n == 1, TimeSpan.FromMinutes(3), "the resumer to finish the erasure");
        await GrpcAssert.FailsWithAsync(StatusCode.NotFound,
            () => Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenant.Id, Phone = phone }, fixture.AdminAuth).ResponseAsync, "lead");
        Assert.Equal(0, await fixture.Database.CountAsync("SELECT count(*) FROM events WHERE tenant_id = $1 AND lead_phone = $2", tenant.Id, phone));
    }

    // The job row as an erasure writes it before removing anything, as if its silo died right after.
    private async Task WriteUnfinishedJobAsync(string tenantId, string phone, TimeSpan age)
    {
        var hash = new AddressHasher(Convert.FromBase64String(GatewayFixture.SuppressionKey)).Hash(tenantId, phone);
        await fixture.Database.CountAsync("""
            WITH j AS (INSERT INTO erasure_jobs (tenant_id, address_hash, lead_address, requested_by, requested_at) VALUES ($1, $2, $3, 'crashed-key', now() - $4::interval) RETURNING 1)
            SELECT count(*) FROM j
            """, tenantId, hash, phone, $"{age.TotalSeconds} seconds");
    }

    private async Task<JsonElement> ReadErasedEventAsync(string tenantId)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var call = new EventService.EventServiceClient(fixture.Grpc).Subscribe(
            new SubscribeRequest { TenantId = tenantId, AfterCursor = 0, EventTypes = { "lead.erased" } }, fixture.AdminAuth, cancellationToken: cancel.Token);
        Assert.True(await call.ResponseStream.MoveNext(cancel.Token), "no lead.erased event");
        return JsonDocument.Parse(call.ResponseStream.Current.CloudEvent).RootElement.GetProperty("data");
    }
}
