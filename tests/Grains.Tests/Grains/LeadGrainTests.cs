using Engine.TestSupport;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Abstractions.Automation;
using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Abstractions.Tenants;

namespace Engine.Grains.Tests.Grains;

[Collection(PostgresClusterCollection.Name)]
public sealed class LeadGrainTests(PostgresClusterFixture fixture)
{
    private static readonly DateTimeOffset FormFilledAt = new(2026, 11, 20, 15, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task RecordConsent_AppendsLedgerRowsOncePerChange()
    {
        var tenantId = await TestTenants.CreateAsync(fixture.Grains);
        var phone = TestTenants.NewPhone();
        var lead = fixture.Grains.GetGrain<ILeadGrain>(GrainKeys.Lead(tenantId, phone));
        var optIn = new ConsentChange("form-123", Channel.Sms, ConsentStatus.OptedIn, ConsentSource.Form, "web form #123, checkbox ticked", FormFilledAt);

        await lead.RecordConsentAsync(optIn);
        await lead.RecordConsentAsync(optIn); // a retried request
        var snapshot = (await lead.RecordConsentAsync(
            new ConsentChange("api-9", null, ConsentStatus.OptedOut, ConsentSource.UserRequest, "called the office", FormFilledAt.AddDays(1)))).Lead;

        Assert.Equal(ConsentStatus.OptedOut, snapshot.ConsentOn(Channel.Sms));
        Assert.Equal(ConsentStatus.OptedOut, snapshot.ConsentOn(Channel.WhatsApp));
        var rows = await fixture.Database.RowsAsync(
            "SELECT entry_id, channel, previous_status, status, source, evidence FROM consent_ledger WHERE tenant_id = $1 AND lead_phone = $2 ORDER BY occurred_at, entry_id",
            tenantId, phone);
        Assert.Equal(3, rows.Count);
        Assert.Equal(["form-123/sms", "sms", "unknown", "opted_in", "form", "web form #123, checkbox ticked"], rows[0]);
        Assert.Equal(["api-9/sms", "sms", "opted_in", "opted_out", "user_request", "called the office"], rows[1]);
        Assert.Equal(["api-9/whatsapp", "whatsapp", "unknown", "opted_out", "user_request", "called the office"], rows[2]);
    }

    [Fact]
    public async Task RecordConsent_RetriedAfterTheStateWriteFailed_AppliesTheChange()
    {
        var tenantId = await TestTenants.CreateAsync(fixture.Grains);
        var phone = TestTenants.NewPhone();
        var lead = fixture.Grains.GetGrain<ILeadGrain>(GrainKeys.Lead(tenantId, phone));
        await lead.RecordConsentAsync(new ConsentChange("form-1", Channel.Sms, ConsentStatus.OptedIn, ConsentSource.Form, "web form #1", FormFilledAt));
        var optOut = new ConsentChange("key-7", Channel.Sms, ConsentStatus.OptedOut, ConsentSource.UserRequest, "called the office", FormFilledAt.AddDays(1),
            ClientKeyed: true);

        // The ledger row is written, the grain-state write fails (as when the silo dies in between), and
        // the client retries with the same key against a new activation.
        await fixture.FailNextStateWriteAsync("lead", GrainKeys.Lead(tenantId, phone));
        await Assert.ThrowsAnyAsync<Exception>(() => lead.RecordConsentAsync(optOut));
        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        var retried = await lead.RecordConsentAsync(optOut);

        Assert.Equal(ConsentStatus.OptedOut, retried.Lead.ConsentOn(Channel.Sms));
        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        Assert.Equal(ConsentStatus.OptedOut, (await lead.GetAsync()).ConsentOn(Channel.Sms)); // stored, not only in memory
        Assert.Equal(1, await fixture.Database.CountAsync(
            "SELECT count(*) FROM consent_ledger WHERE tenant_id = $1 AND lead_phone = $2 AND entry_id = 'key-7/sms'", tenantId, phone));
    }

    [Fact]
    public async Task Upsert_RetriedAfterItsCreatedEventFailed_AnnouncesTheLeadOnce()
    {
        var tenantId = await TestTenants.CreateAsync(fixture.Grains);
        var phone = TestTenants.NewPhone();
        var lead = fixture.Grains.GetGrain<ILeadGrain>(GrainKeys.Lead(tenantId, phone));
        await fixture.Database.FailNextWriteAsync("events", $"NEW.event_id = 'lead.created/{tenantId}/{phone}'");

        await Assert.ThrowsAnyAsync<Exception>(() => lead.UpsertAsync(new LeadProfilePatch(Name: "Ana")));
        var retried = await lead.UpsertAsync(new LeadProfilePatch(Name: "Ana"));

        Assert.True(retried.Created);
        Assert.Equal(1, await fixture.Database.CountAsync("SELECT count(*) FROM events WHERE event_id = $1", $"lead.created/{tenantId}/{phone}"));
    }

    [Fact]
    public async Task Upsert_RetriedAfterItsPlaybookFailedToStart_StartsItOnce()
    {
        var (key, lead) = await NewLeadWithWelcomePlaybookAsync();

        // The lead is stored, then its playbook cannot start (the automation grain's write fails, as when
        // its silo dies); the client retries against a new activation of the lead.
        await fixture.FailNextStateWriteAsync("automation", key);
        await Assert.ThrowsAnyAsync<Exception>(() => lead.UpsertAsync(new LeadProfilePatch(Name: "Ana")));
        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        await lead.UpsertAsync(new LeadProfilePatch(Name: "Ana"));
        await lead.UpsertAsync(new LeadProfilePatch(Name: "Ana", Email: "ana@example.com")); // a later change starts nothing more

        var run = Assert.Single(await fixture.Grains.GetGrain<IAutomationGrain>(key).GetRunsAsync());
        Assert.Equal("welcome", run.PlaybookId);
    }

    // As an import row does: the consent creates the lead, and the retried row repeats the same change.
    [Fact]
    public async Task ConsentCreatingTheLead_RetriedAfterItsPlaybookFailedToStart_StartsItOnce()
    {
        var (key, lead) = await NewLeadWithWelcomePlaybookAsync();
        var optIn = new ConsentChange("import/row-1", Channel.Sms, ConsentStatus.OptedIn, ConsentSource.Import, "bulk import", FormFilledAt);

        await fixture.FailNextStateWriteAsync("automation", key);
        await Assert.ThrowsAnyAsync<Exception>(() => lead.RecordConsentAsync(optIn));
        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        await lead.RecordConsentAsync(optIn);
        await lead.UpsertAsync(new LeadProfilePatch(Name: "Ana"));

        var run = Assert.Single(await fixture.Grains.GetGrain<IAutomationGrain>(key).GetRunsAsync());
        Assert.Equal("welcome", run.PlaybookId);
    }

    private async Task<(string Key, ILeadGrain Lead)> NewLeadWithWelcomePlaybookAsync()
    {
        var tenantId = await TestTenants.CreateAsync(fixture.Grains);
        await fixture.Grains.GetGrain<ITenantGrain>(tenantId).PutPlaybookAsync(new Playbook("welcome", "Welcome", PlaybookTrigger.LeadCreated, null, Channel.Sms,
            [new PlaybookStep(TimeSpan.FromHours(1), "Welcome to Acme Homes", null, false)], ContinueAfterReply: false, ContinueAfterStageChange: false));
        var key = GrainKeys.Lead(tenantId, TestTenants.NewPhone());
        return (key, fixture.Grains.GetGrain<ILeadGrain>(key));
    }

    [Fact]
    public async Task ConsentLedger_RejectsUpdates()
    {
        var tenantId = await TestTenants.CreateAsync(fixture.Grains);
        var phone = TestTenants.NewPhone();
        await fixture.Grains.GetGrain<ILeadGrain>(GrainKeys.Lead(tenantId, phone))
            .RecordConsentAsync(new ConsentChange("c1", Channel.Sms, ConsentStatus.OptedIn, ConsentSource.Api, null, FormFilledAt));

        var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => fixture.Database.CountAsync(
            "UPDATE consent_ledger SET status = 'opted_in' WHERE tenant_id = $1", tenantId));

        Assert.Contains("append-only", error.MessageText, StringComparison.Ordinal);
    }

    [Fact]
    public async Task StoredLead_ReadBackAfterDeactivation_NeverLeaksIntoANewLead()
    {
        var tenantId = await TestTenants.CreateAsync(fixture.Grains);
        var known = fixture.Grains.GetGrain<ILeadGrain>(GrainKeys.Lead(tenantId, TestTenants.NewPhone()));
        await known.UpsertAsync(new LeadProfilePatch(Name: "Ana Known", Tags: ["vip"], Attributes: new Dictionary<string, string> { ["stage"] = "won" },
            Identity: new LeadIdentity(WhatsAppUserId: "US.1000000000001", Username: "ana")));
        await fixture.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);

        Assert.Equal("Ana Known", (await known.GetAsync()).Profile.Name); // read back from storage on either silo
        var strangers = await Task.WhenAll(Enumerable.Range(0, 12).Select(_ =>
            fixture.Grains.GetGrain<ILeadGrain>(GrainKeys.Lead(tenantId, TestTenants.NewPhone())).UpsertAsync(new LeadProfilePatch(Email: "new@example.com"))));

        Assert.All(strangers, s => Assert.Equal((null, 0, 0, null), (s.Lead.Profile.Name, s.Lead.Profile.Tags.Count, s.Lead.Profile.Attributes.Count, s.Lead.Identity!.Username)));
    }

    [Fact]
    public async Task Upsert_WithoutChanges_DoesNotRewriteState()
    {
        var tenantId = await TestTenants.CreateAsync(fixture.Grains);
        var lead = fixture.Grains.GetGrain<ILeadGrain>(GrainKeys.Lead(tenantId, TestTenants.NewPhone()));
        var first = await lead.UpsertAsync(new LeadProfilePatch(Name: "Ana"));
        var version = await StoredVersionAsync(lead.GetPrimaryKeyString());

        var second = await lead.UpsertAsync(new LeadProfilePatch(Name: "Someone else", NameOnlyIfMissing: true));

        Assert.True(first.Created);
        Assert.False(second.Created);
        Assert.Equal("Ana", second.Lead.Profile.Name);
        Assert.Equal(version, await StoredVersionAsync(lead.GetPrimaryKeyString()));
    }

    [Fact]
    public async Task Snapshot_TimeZones_ComeFromTheNumberUnlessSet()
    {
        var tenantId = await TestTenants.CreateAsync(fixture.Grains);
        var lead = fixture.Grains.GetGrain<ILeadGrain>(GrainKeys.Lead(tenantId, "+13105550123"));

        var derived = (await lead.UpsertAsync(new LeadProfilePatch())).Lead;
        var explicitZone = (await lead.UpsertAsync(new LeadProfilePatch(TimeZone: "Europe/Lisbon"))).Lead;

        Assert.Equal(["America/Los_Angeles"], derived.TimeZones);
        Assert.Equal(["Europe/Lisbon"], explicitZone.TimeZones);
    }

    private Task<long> StoredVersionAsync(string key) => fixture.Database.CountAsync(
        "SELECT Version FROM OrleansStorage WHERE GrainTypeString = 'lead' AND GrainIdExtensionString = $1", key);
}
