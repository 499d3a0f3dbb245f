using Engine.TestSupport;
using Engine.Gateway.Grpc.V1;
using Grpc.Core;

namespace Engine.Gateway.Tests.Grpc;

[Collection(GatewayCollection.Name)]
public sealed class LeadServiceTests(GatewayFixture fixture)
{
    private LeadService.LeadServiceClient Leads => new(fixture.Grpc);

    [Fact]
    public async Task Upsert_NormalisesTheNumber_AndDerivesTimeZones()
    {
        var tenant = await fixture.CreateTenantAsync();
        var (key, _) = await fixture.CreateKeyAsync(tenant.Id, ApiKeyRole.Messaging);

        var created = await Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenant.Id, Phone = "(310) 555-0123", Name = "Ana", Tags = { "zillow" } }, key);
        var again = await Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenant.Id, Phone = "+1 310 555 0123", Email = "ana@example.com" }, key);

        Assert.True(created.Created);
        Assert.False(again.Created);
        Assert.Equal("+13105550123", again.Lead.Phone);
        Assert.Equal(("Ana", "ana@example.com"), (again.Lead.Name, again.Lead.Email));
        Assert.Equal(["America/Los_Angeles"], again.Lead.EffectiveTimeZones);
    }

    [Fact]
    public async Task ListLeads_FiltersByTagStageAndConsent_AndPagesNewestFirst()
    {
        var tenant = await fixture.CreateTenantAsync();
        var (key, _) = await fixture.CreateKeyAsync(tenant.Id, ApiKeyRole.Messaging);
        string[] phones = ["+13105550101", "+13105550102", "+13105550103", "+13105550104"];
        foreach (var (phone, i) in phones.Select((p, i) => (p, i)))
        {
            await Leads.UpsertLeadAsync(new UpsertLeadRequest
            {
                TenantId = tenant.Id, Phone = phone, Tags = { i % 2 == 0 ? "vip" : "cold" }, Attributes = { ["stage"] = i < 2 ? "new" : "won" },
            }, key);
        }

        await Leads.RecordConsentAsync(new RecordConsentRequest
        {
            TenantId = tenant.Id, Phone = phones[2], Channel = Channel.Sms, Status = ConsentStatus.OptedIn, Source = ConsentSource.Form, Evidence = "form #7",
        }, key);

        Assert.Equal(phones.Reverse(), await ListAllAsync(new ListLeadsRequest { TenantId = tenant.Id, PageSize = 3 }, key));
        Assert.Equal([phones[2], phones[0]], await ListAllAsync(new ListLeadsRequest { TenantId = tenant.Id, Tag = "vip", PageSize = 1 }, key));
        Assert.Equal([phones[3], phones[2]], await ListAllAsync(new ListLeadsRequest { TenantId = tenant.Id, Stage = "won" }, key));
        Assert.Equal([phones[2]], await ListAllAsync(
            new ListLeadsRequest { TenantId = tenant.Id, ConsentChannel = Channel.Sms, ConsentStatus = ConsentStatus.OptedIn }, key));
        Assert.Equal([phones[3], phones[1], phones[0]], await ListAllAsync(
            new ListLeadsRequest { TenantId = tenant.Id, ConsentChannel = Channel.Sms, ConsentStatus = ConsentStatus.Unknown }, key));
    }

    [Theory]
    [InlineData("not-a-token", Channel.Unspecified, ConsentStatus.Unspecified, "page_token")]
    [InlineData("", Channel.Sms, ConsentStatus.Unspecified, "consent_status")]
    [InlineData("", Channel.Unspecified, ConsentStatus.OptedIn, "consent_channel")]
    public async Task ListLeads_InvalidRequest_IsInvalidArgument_WithTheFieldInBadRequest(string token, Channel channel, ConsentStatus status, string field)
    {
        var tenant = await fixture.CreateTenantAsync();

        var error = await GrpcAssert.FailsWithAsync(StatusCode.InvalidArgument, () => Leads.ListLeadsAsync(
            new ListLeadsRequest { TenantId = tenant.Id, PageToken = token, ConsentChannel = channel, ConsentStatus = status }, fixture.AdminAuth).ResponseAsync, $"{field}:");

        Assert.Equal(field, Assert.Single(GrpcAssert.Detail<Google.Rpc.BadRequest>(error).FieldViolations).Field);
    }

    private async Task<List<string>> ListAllAsync(ListLeadsRequest request, Metadata key)
    {
        var phones = new List<string>();
        do
        {
            var page = await Leads.ListLeadsAsync(request, key);
            Assert.True(page.Leads.Count <= Math.Max(request.PageSize, 1) || request.PageSize == 0);
            phones.AddRange(page.Leads.Select(l => l.Phone));
            request.PageToken = page.NextPageToken;
        }
        while (request.PageToken.Length > 0);

        return phones;
    }

    [Theory]
    [InlineData("not a number", "", "phone:")]
    [InlineData("+12125550100", "Mars/Olympus", "time_zone:")]
    public async Task Upsert_InvalidField_IsInvalidArgumentNamingIt(string phone, string zone, string field)
    {
        var tenant = await fixture.CreateTenantAsync();

        await GrpcAssert.FailsWithAsync(StatusCode.InvalidArgument,
            () => Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenant.Id, Phone = phone, TimeZone = zone }, fixture.AdminAuth).ResponseAsync, field);
    }

    [Fact]
    public async Task UnknownTenantOrLead_IsNotFound()
    {
        var tenant = await fixture.CreateTenantAsync();

        await GrpcAssert.FailsWithAsync(StatusCode.NotFound,
            () => Leads.GetLeadAsync(new GetLeadRequest { TenantId = "no-such-tenant", Phone = "+12125550100" }, fixture.AdminAuth).ResponseAsync, "tenant");
        await GrpcAssert.FailsWithAsync(StatusCode.NotFound,
            () => Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenant.Id, Phone = "+12125550199" }, fixture.AdminAuth).ResponseAsync, "lead");
    }

    [Fact]
    public async Task RecordConsent_WritesTheLedger_AndRetriesAreNoOps()
    {
        var tenant = await fixture.CreateTenantAsync();
        var request = new RecordConsentRequest
        {
            TenantId = tenant.Id, Phone = "+12125550100", Channel = Channel.Sms, Status = ConsentStatus.OptedIn,
            Source = ConsentSource.Form, Evidence = "landing page form 42, TCPA checkbox", IdempotencyKey = "form-42",
        };

        await Leads.RecordConsentAsync(request, fixture.AdminAuth);
        var lead = await Leads.RecordConsentAsync(request, fixture.AdminAuth);

        var sms = Assert.Single(lead.Consent);
        Assert.Equal((Channel.Sms, ConsentStatus.OptedIn, ConsentSource.Form), (sms.Channel, sms.Status, sms.Source));
        Assert.Equal([["api/form-42/sms", "form", "landing page form 42, TCPA checkbox"]], await fixture.Database.TextRowsAsync(
            "SELECT entry_id, source, evidence FROM consent_ledger WHERE tenant_id = $1", tenant.Id));
    }

    [Fact]
    public async Task ImportLeads_ImportsValidRows_AndReportsEachInvalidOne()
    {
        var tenant = await fixture.CreateTenantAsync();
        var (key, _) = await fixture.CreateKeyAsync(tenant.Id, ApiKeyRole.Messaging);
        using var call = Leads.ImportLeads(key);

        ImportLeadRow[] rows =
        [
            new() { TenantId = tenant.Id, Phone = "+12125550101", Name = "One", OptedInChannel = Channel.Sms, ConsentEvidence = "expo sign-up sheet" },
            new() { TenantId = tenant.Id, Phone = "12", Name = "Bad number" },
            new() { TenantId = tenant.Id, Phone = "+12125550102", Name = "Two" },
            new() { TenantId = tenant.Id, Phone = "+12125550103", TimeZone = "Nowhere/Land" },
            new() { TenantId = tenant.Id, Phone = "(212) 555-0104", Name = "Four" },
        ];
        foreach (var row in rows)
        {
            await call.RequestStream.WriteAsync(row);
        }

        await call.RequestStream.CompleteAsync();
        var summary = await call;

        Assert.Equal((3, 3), (summary.Imported, summary.Created));
        Assert.Equal([1, 3], summary.Errors.Select(e => e.Row));
        Assert.Contains("phone:", summary.Errors[0].Reason, StringComparison.Ordinal);
        Assert.Contains("time_zone:", summary.Errors[1].Reason, StringComparison.Ordinal);
        var first = await Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenant.Id, Phone = "+12125550101" }, key);
        Assert.Equal(ConsentSource.Import, Assert.Single(first.Consent).Source);
        Assert.Equal("Four", (await Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenant.Id, Phone = "+12125550104" }, key)).Name);
    }

    [Fact]
    public async Task ImportLeads_ManyRowsAtOnce_KeepEachLeadsRowsInOrder_AndCountEveryRow()
    {
        var tenant = await fixture.CreateTenantAsync();
        var (key, _) = await fixture.CreateKeyAsync(tenant.Id, ApiKeyRole.Messaging);
        using var call = Leads.ImportLeads(key);
        var phones = Enumerable.Range(0, 300).Select(i => $"+1312555{i:D4}").ToArray();

        foreach (var round in new[] { "first", "second", "third" })
        {
            foreach (var phone in phones)
            {
                await call.RequestStream.WriteAsync(new ImportLeadRow { TenantId = tenant.Id, Phone = phone, Name = $"{round} {phone}" });
            }
        }

        await call.RequestStream.WriteAsync(new ImportLeadRow { TenantId = tenant.Id, Phone = phones[0], OptedInChannel = (Channel)9 });
        await call.RequestStream.CompleteAsync();
        var summary = await call;

        Assert.Equal((900, 300), (summary.Imported, summary.Created));
        Assert.Equal(900, Assert.Single(summary.Errors).Row);
        var names = await Task.WhenAll(phones.Select(async phone =>
            (await fixture.Cluster.GetGrain<Engine.Grains.Abstractions.Leads.ILeadGrain>(Engine.Grains.Abstractions.GrainKeys.Lead(tenant.Id, phone)).GetAsync()).Profile.Name));
        Assert.All(names.Zip(phones), pair => Assert.Equal($"third {pair.Second}", pair.First));
    }
}
