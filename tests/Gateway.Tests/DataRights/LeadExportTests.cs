using System.Text.Json;
using Engine.Gateway.Grpc.V1;
using Engine.Gateway.Tests.Grpc;
using Grpc.Core;

namespace Engine.Gateway.Tests.DataRights;

/// <summary>LeadService.ExportLead over gRPC and its HTTP route, on PostgreSQL and Redis.</summary>
[Collection(GatewayCollection.Name)]
public sealed class LeadExportTests(GatewayFixture fixture)
{
    private LeadService.LeadServiceClient Leads => new(fixture.Grpc);

    [Fact]
    public async Task Export_HoldsEveryRecordOfTheScriptedLead()
    {
        var tenant = await fixture.CreateTenantAsync();
        var lead = new ScriptedLead(fixture, tenant);
        await lead.RunAsync();

        var body = await Leads.ExportLeadAsync(new ExportLeadRequest { TenantId = tenant.Id, Phone = lead.Phone }, fixture.AdminAuth);

        Assert.Equal("application/json", body.ContentType);
        var export = JsonDocument.Parse(body.Data.Memory).RootElement;
        Assert.Equal("engine.lead-export.v1", export.GetProperty("schema").GetString());
        var profile = export.GetProperty("lead");
        Assert.Equal((lead.Phone, "Ana Data", "ana.data@example.com"),
            (profile.GetProperty("phone").GetString(), profile.GetProperty("name").GetString(), profile.GetProperty("email").GetString()));
        Assert.Equal(["open-house"], profile.GetProperty("tags").EnumerateArray().Select(t => t.GetString()));

        var consent = export.GetProperty("consent").EnumerateArray().ToDictionary(c => c.GetProperty("channel").GetString()!, c => c.GetProperty("status").GetString());
        Assert.Equal(new Dictionary<string, string?> { ["sms"] = "opted_out", ["whatsapp"] = "opted_in" }, consent);
        var ledger = export.GetProperty("consentLedger").EnumerateArray().Select(e => (e.GetProperty("channel").GetString(), e.GetProperty("status").GetString(), e.GetProperty("source").GetString())).ToArray();
        Assert.Equal([("sms", "opted_in", "form"), ("whatsapp", "opted_in", "form"), ("sms", "opted_out", "user_request")], ledger);

        var messages = export.GetProperty("messages").EnumerateArray().ToArray();
        var welcome = Assert.Single(messages, m => m.GetProperty("body").GetString() == lead.WelcomeBody);
        Assert.Equal(("outbound", "delivered", "automation"),
            (welcome.GetProperty("direction").GetString(), welcome.GetProperty("status").GetString(), welcome.GetProperty("purpose").GetString()));
        Assert.Contains("delivered", welcome.GetProperty("statusHistory").EnumerateArray().Select(s => s.GetProperty("status").GetString()));
        Assert.Single(messages, m => m.GetProperty("direction").GetString() == "inbound" && m.GetProperty("body").GetString() == "Is the loft still available?");
        var scheduled = Assert.Single(messages, m => m.GetProperty("messageId").GetString() == lead.ScheduledMessageId);
        Assert.Equal(("whatsapp", "scheduled"), (scheduled.GetProperty("channel").GetString(), scheduled.GetProperty("status").GetString()));

        var firing = Assert.Single(export.GetProperty("automation").GetProperty("firings").EnumerateArray());
        Assert.Equal(("welcome", 0, welcome.GetProperty("messageId").GetString()),
            (firing.GetProperty("playbookId").GetString(), firing.GetProperty("step").GetInt32(), firing.GetProperty("messageId").GetString()));
        var eventTypes = export.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("type").GetString()).ToHashSet();
        Assert.Superset(new HashSet<string?> { "lead.created", "lead.updated", "consent.changed", "message.received", "message.queued", "message.delivered", "automation.step_fired" }, eventTypes);
    }

    [Fact]
    public async Task Export_OverHttp_IsTheJsonDocument()
    {
        var tenant = await fixture.CreateTenantAsync();
        await Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenant.Id, Phone = "+12125550177", Name = "Http Export" }, fixture.AdminAuth);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/tenants/{tenant.Id}/leads/+12125550177:export");
        request.Headers.Add("authorization", $"Bearer {GatewayFixture.AdminKey}");

        using var response = await fixture.Http.SendAsync(request);

        response.EnsureSuccessStatusCode();
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        var export = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        Assert.Equal("Http Export", export.GetProperty("lead").GetProperty("name").GetString());
    }

    [Fact]
    public async Task Export_UnknownLead_IsNotFound_AndNeedsTheAdminRole()
    {
        var tenant = await fixture.CreateTenantAsync();
        await Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenant.Id, Phone = "+12125550178" }, fixture.AdminAuth);
        var (messaging, _) = await fixture.CreateKeyAsync(tenant.Id, ApiKeyRole.Messaging);

        await GrpcAssert.FailsWithAsync(StatusCode.NotFound,
            () => Leads.ExportLeadAsync(new ExportLeadRequest { TenantId = tenant.Id, Phone = "+12125550179" }, fixture.AdminAuth).ResponseAsync, "lead");
        await GrpcAssert.FailsWithAsync(StatusCode.PermissionDenied,
            () => Leads.ExportLeadAsync(new ExportLeadRequest { TenantId = tenant.Id, Phone = "+12125550178" }, messaging).ResponseAsync, "Admin");
    }
}
