using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Storage;
using Engine.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Engine.Grains.Storage.RejectedWebhooks;

namespace Engine.Grains.Tests.Storage;

/// <summary>The PostgreSQL and in-memory logs, driven the same way, must answer the same.</summary>
public sealed class RejectedWebhookLogTests : IAsyncLifetime
{
    private static readonly DateTimeOffset At = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);
    private NpgsqlDataSource _database = null!;

    public async ValueTask InitializeAsync()
    {
        _database = NpgsqlDataSource.Create(await TestServices.CreateDatabaseAsync("rejected"));
        await new SchemaMigrator(_database, NullLogger<SchemaMigrator>.Instance).ApplyAsync();
    }

    public async ValueTask DisposeAsync() => await _database.DisposeAsync();

    [Fact]
    public async Task BothLogs_PageNewestFirst_SkipRepeats_AndKeepTenantsApart()
    {
        IRejectedWebhookLog[] logs = [new PostgresRejectedWebhookLog(_database), new InMemoryRejectedWebhookLog()];
        // Two items share a timestamp, so the id breaks the tie; one item arrives twice.
        var items = new[]
        {
            Item("t1", "{\"n\":1}", At), Item("t1", "{\"n\":2}", At.AddSeconds(1)), Item("t1", "{\"n\":3}", At.AddSeconds(1)),
            Item("t1", "{\"n\":4}", At.AddSeconds(2)), Item("t1", "{\"n\":5}", At.AddSeconds(3)), Item("t2", "{\"n\":1}", At.AddSeconds(4)),
        };

        var answers = new List<List<string>>();
        foreach (var log in logs)
        {
            await log.RecordAsync(items[..3]);
            await log.RecordAsync([.. items[2..], Item("t1", "{\"n\":1}", At.AddSeconds(9))]);
            answers.Add(await ReadAllAsync(log, "t1", pageSize: 2));
        }

        var expected = items[..5].OrderByDescending(i => i.ReceivedAt).ThenByDescending(i => i.Id, StringComparer.Ordinal)
            .Select(i => $"{i.Id} {i.Raw} {i.ReceivedAt:O} {i.Provider} {i.Kind} {i.Code} {i.Reason} {i.RawTruncated}").ToList();
        Assert.Equal(expected, answers[0]);
        Assert.Equal(expected, answers[1]);
    }

    private static async Task<List<string>> ReadAllAsync(IRejectedWebhookLog log, string tenantId, int pageSize)
    {
        var all = new List<string>();
        RejectedWebhookCursor? after = null;
        while (true)
        {
            var page = await log.ListAsync(tenantId, after, pageSize);
            all.AddRange(page.Select(i => $"{i.Id} {i.Raw} {i.ReceivedAt:O} {i.Provider} {i.Kind} {i.Code} {i.Reason} {i.RawTruncated}"));
            if (page.Count < pageSize)
            {
                return all;
            }

            after = new RejectedWebhookCursor(page[^1].ReceivedAt, page[^1].Id);
        }
    }

    private static RejectedWebhook Item(string tenantId, string raw, DateTimeOffset at) =>
        RejectedWebhook.Create(tenantId, Provider.Meta, "message", "missing_from", "messages[].from is missing", raw, at);
}
