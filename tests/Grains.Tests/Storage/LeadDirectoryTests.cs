using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Encryption;
using Engine.Grains.Storage.Events;
using Engine.Grains.Storage.LeadDirectory;
using Engine.Grains.Tests.Grains;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Engine.Grains.Tests.Storage;

/// <summary>The PostgreSQL and in-memory lead directories, written and filtered the same way, must answer the same.</summary>
[Collection(PostgresClusterCollection.Name)]
public sealed class LeadDirectoryTests(PostgresClusterFixture fixture) : IAsyncLifetime
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly string _run = Guid.NewGuid().ToString("N")[..8]; // the cluster's database is shared
    private NpgsqlDataSource _database = null!;
    private PayloadCipher _cipher = null!;

    public ValueTask InitializeAsync()
    {
        _database = NpgsqlDataSource.Create(fixture.Database.ConnectionString);
        _cipher = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<PayloadCipher>();
        return ValueTask.CompletedTask;
    }

    public async ValueTask DisposeAsync() => await _database.DisposeAsync();

    // A new lead's row and its lead.created event go in one statement; a retried write appends it once.
    [Fact]
    public async Task AnEventWrittenWithTheRow_IsAppendedOnce_InBothDirectories()
    {
        var postgresEvents = new PostgresEventLog(_database, new NoRelay(), _cipher);
        var inMemoryEvents = new InMemoryEventLog(new NoRelay());
        (ILeadDirectory Directory, IEventLog Events)[] stores =
            [(new PostgresLeadDirectory(_database, new NoRelay(), _cipher), postgresEvents), (new InMemoryLeadDirectory(inMemoryEvents), inMemoryEvents)];
        var tenantId = $"t-{_run}-created";
        var created = new EventDraft($"lead.created/{tenantId}/+11", tenantId, "lead.created", "+11", "+11", At, """{"phone":"+11"}""");

        foreach (var (directory, events) in stores)
        {
            await directory.WriteAsync(Listing("+11", At, [], null, ConsentStatus.OptedIn) with { TenantId = tenantId }, created);
            await directory.WriteAsync(Listing("+11", At, ["vip"], null, ConsentStatus.OptedIn) with { TenantId = tenantId }, created);

            await events.AssignCursorsAsync(tenantId, 0, 10);
            var stored = Assert.Single(await events.ReadAsync(tenantId, 0, 10));
            Assert.Equal((created.EventId, created.DataJson), (stored.EventId, stored.DataJson));
            Assert.Equal(["vip"], Assert.Single(await directory.ListAsync(tenantId, new LeadFilter(null, null, null, null), null, 10)).Tags);
        }
    }

    [Theory]
    [InlineData(null, null, null, null, "+15 +14 +13 +12 +11")]
    [InlineData("vip", null, null, null, "+14 +12 +11")]
    [InlineData(null, "won", null, null, "+14 +13")]
    [InlineData(null, null, Channel.Sms, ConsentStatus.OptedIn, "+14 +11")]
    [InlineData(null, null, Channel.WhatsApp, ConsentStatus.Unknown, "+15 +14 +13 +12 +11")]
    [InlineData("vip", "won", Channel.Sms, ConsentStatus.OptedIn, "+14")]
    public async Task BothDirectories_FilterAndPageNewestFirst(string? tag, string? stage, Channel? channel, ConsentStatus? consent, string expected)
    {
        ILeadDirectory[] directories = [new PostgresLeadDirectory(_database, new NoRelay(), _cipher), new InMemoryLeadDirectory(new InMemoryEventLog(new NoRelay()))];
        // +12 and +13 share a creation time, so the address breaks the tie; +11 is written twice (its row changes).
        LeadListing[] listings =
        [
            Listing("+11", At, ["vip"], null, ConsentStatus.OptedOut), Listing("+12", At.AddSeconds(1), ["vip", "zillow"], "lost", ConsentStatus.Pending),
            Listing("+13", At.AddSeconds(1), [], "won", ConsentStatus.OptedOut), Listing("+14", At.AddSeconds(2), ["vip"], "won", ConsentStatus.OptedIn),
            Listing("+15", At.AddSeconds(3), ["zillow"], null, ConsentStatus.Unknown), Listing("+11", At, ["vip"], null, ConsentStatus.OptedIn),
            Listing("+16", At.AddSeconds(4), ["vip"], "won", ConsentStatus.OptedIn) with { TenantId = "other" },
        ];
        var filter = new LeadFilter(tag, stage, channel, consent);

        foreach (var directory in directories)
        {
            foreach (var listing in listings)
            {
                await directory.WriteAsync(listing with { TenantId = listing.TenantId == "other" ? $"other-{_run}-{tag}{stage}{consent}" : Tenant(filter) });
            }

            Assert.Equal(expected, string.Join(' ', await ReadAllAsync(directory, Tenant(filter), filter, pageSize: 2)));
        }
    }

    // Each case its own tenant, so the cases share the database without seeing each other's rows.
    private string Tenant(LeadFilter filter) => $"t-{_run}-{filter.Tag}-{filter.Stage}-{filter.ConsentChannel}-{filter.Consent}";

    private static async Task<List<string>> ReadAllAsync(ILeadDirectory directory, string tenantId, LeadFilter filter, int pageSize)
    {
        var all = new List<string>();
        LeadCursor? after = null;
        while (true)
        {
            var page = await directory.ListAsync(tenantId, filter, after, pageSize);
            all.AddRange(page.Select(l => l.LeadPhone));
            if (page.Count < pageSize)
            {
                return all;
            }

            after = new LeadCursor(page[^1].CreatedAt, page[^1].LeadPhone);
        }
    }

    private static LeadListing Listing(string phone, DateTimeOffset createdAt, string[] tags, string? stage, ConsentStatus sms) =>
        new("", phone, createdAt, tags, stage, sms, ConsentStatus.Unknown);
}
