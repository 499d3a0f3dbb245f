using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Encryption;
using Engine.Grains.Events;
using Engine.Grains.Storage.EarlyStatuses;
using Engine.Grains.Storage.Messages;
using Engine.Grains.Storage.Retention;
using Engine.Grains.Storage.SendRequests;
using Engine.Grains.Tests.Grains;
using Engine.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Engine.Grains.Storage.Events;

namespace Engine.Grains.Tests.Storage;

/// <summary>
/// The retention store on real PostgreSQL and in memory, with the same story on a fake clock: a
/// message 40 days old, one still queued from 39 days ago and one 10 days old, against 30 days of
/// bodies and 60 days of messages, then 35 days later (when only the first is past 60 days). Event
/// copies of a body go by the event's age, even for a message still waiting to be sent (which keeps
/// its own body until it is).
/// </summary>
[Collection(PostgresClusterCollection.Name)]
public sealed class MessageRetentionTests(PostgresClusterFixture fixture)
{
    private static readonly TimeSpan BodyRetention = TimeSpan.FromDays(30);
    private static readonly TimeSpan MessageRetention = TimeSpan.FromDays(60);

    [Fact]
    public async Task Postgres_BlanksOldBodies_InMessagesAndEvents_ThenDeletesOldMessagesWithTheirSendRequests()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var tenantId = $"ret-{Guid.NewGuid():N}"[..20];
        var cipher = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<PayloadCipher>();
        var log = new PostgresConversationLog(fixture.Database, new GrainEventNotifier(fixture.Grains, time), cipher, time);
        var sends = new PostgresSendRequests(fixture.Database);
        var retention = new PostgresMessageRetention(fixture.Database, cipher);
        var (old, recent, queued) = await StoreStoryAsync(log, sends, tenantId, time.GetUtcNow());

        await PurgeAsync(retention, tenantId, time.GetUtcNow(), batchSize: 1);

        Assert.Equal([[old.MessageId.ToString(), null], [queued.MessageId.ToString(), "waiting"], [recent.MessageId.ToString(), "recent"]],
            await fixture.Database.TextRowsAsync("SELECT message_id::text, body_sealed FROM message_log WHERE tenant_id = $1 ORDER BY occurred_at", tenantId));
        Assert.Equal([recent.MessageId.ToString()], await MessagesWithBodyInEventsAsync(tenantId));
        Assert.Equal(0, await fixture.Database.CountAsync("SELECT count(*) FROM events WHERE tenant_id = $1 AND data ? 'body'", tenantId));

        time.Advance(TimeSpan.FromDays(35));
        await PurgeAsync(retention, tenantId, time.GetUtcNow(), batchSize: 1);

        Assert.Equal([[queued.MessageId.ToString()], [recent.MessageId.ToString()]],
            await fixture.Database.TextRowsAsync("SELECT message_id::text FROM message_log WHERE tenant_id = $1 ORDER BY occurred_at", tenantId));
        Assert.Equal(0, await fixture.Database.CountAsync("SELECT count(*) FROM send_requests WHERE tenant_id = $1 AND message_id = $2", tenantId, old.MessageId));
        Assert.Empty(await MessagesWithBodyInEventsAsync(tenantId));
    }

    // Message events are sealed: what is still sealed still has its body (TextRowsAsync opens them).
    private async Task<string[]> MessagesWithBodyInEventsAsync(string tenantId) =>
        (await fixture.Database.TextRowsAsync("SELECT data_sealed FROM events WHERE tenant_id = $1 AND data_sealed IS NOT NULL AND type LIKE 'message.%'", tenantId))
            .Select(row => System.Text.Json.JsonDocument.Parse(row[0]!).RootElement)
            .Where(data => data.TryGetProperty("body", out _))
            .Select(data => data.GetProperty("messageId").GetString()!)
            .Distinct()
            .ToArray();

    [Fact]
    public async Task InMemory_FollowsTheSameRules()
    {
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var tenantId = $"ret-{Guid.NewGuid():N}"[..20];
        var events = new InMemoryEventLog(new GrainEventNotifier(fixture.Grains, time));
        var table = new InMemoryMessageTable(events, time);
        var (log, sends) = (new InMemoryConversationLog(table), new InMemorySendRequests());
        var retention = new InMemoryMessageRetention(table, events, sends, new InMemoryEarlyStatuses(table));
        var (old, recent, queued) = await StoreStoryAsync(log, sends, tenantId, time.GetUtcNow());
        await events.AssignCursorsAsync(tenantId, 0, 100);

        await PurgeAsync(retention, tenantId, time.GetUtcNow(), batchSize: 1);

        Assert.Equal([null, "waiting", "recent"], (await ReadAllAsync(log, tenantId)).Select(m => m.Body));
        Assert.Equal([recent.MessageId], await MessagesWithBodyInEventsAsync(events, tenantId));

        time.Advance(TimeSpan.FromDays(35));
        await PurgeAsync(retention, tenantId, time.GetUtcNow(), batchSize: 1);

        Assert.Equal([queued.MessageId, recent.MessageId], (await ReadAllAsync(log, tenantId)).Select(m => m.MessageId));
        Assert.Null(await sends.FindAsync(tenantId, "send-old"));
        Assert.Empty(await MessagesWithBodyInEventsAsync(events, tenantId));
    }

    private static async Task<(MessageRecord Old, MessageRecord Recent, MessageRecord Queued)> StoreStoryAsync(
        IConversationLog log, ISendRequests sends, string tenantId, DateTimeOffset now)
    {
        var old = Message(tenantId, Direction.Outbound, "old", DeliveryStatus.Delivered, now - TimeSpan.FromDays(40));
        var recent = Message(tenantId, Direction.Inbound, "recent", DeliveryStatus.Received, now - TimeSpan.FromDays(10));
        var queued = Message(tenantId, Direction.Outbound, "waiting", DeliveryStatus.Queued, now - TimeSpan.FromDays(39)) with { ProviderMessageId = null };
        foreach (var message in new[] { old, recent, queued })
        {
            Assert.True(await log.TryAppendAsync(message));
        }

        await sends.RecordAsync(new StoredSend(tenantId, "send-old", old.LeadPhone, Channel.Sms,
            new SendResult(old.MessageId, SendDisposition.Queued, RejectionCode.None, null, null)));
        return (old, recent, queued);
    }

    // What the retention grain does: batches until nothing is left.
    private static async Task PurgeAsync(IMessageRetention retention, string tenantId, DateTimeOffset now, int batchSize)
    {
        while (!(await retention.BlankBodiesAsync(tenantId, now - BodyRetention, batchSize)).Done)
        {
        }

        while (await retention.DeleteMessagesAsync(tenantId, now - MessageRetention, batchSize) > 0)
        {
        }
    }

    private static async Task<IReadOnlyList<MessageRecord>> ReadAllAsync(InMemoryConversationLog log, string tenantId)
    {
        var conversation = await log.ReadConversationAsync(tenantId, Phone, Channel.Sms, null, 100);
        return conversation.OrderBy(m => m.OccurredAt).ToArray();
    }

    private static async Task<Guid[]> MessagesWithBodyInEventsAsync(InMemoryEventLog events, string tenantId) =>
        (await events.ReadAsync(tenantId, 0, 100))
            .Where(e => EventJson.HasBody(e.DataJson))
            .Select(e => Guid.Parse(System.Text.Json.JsonDocument.Parse(e.DataJson).RootElement.GetProperty("messageId").GetString()!))
            .Distinct()
            .ToArray();

    private const string Phone = "+12125557001";

    private static MessageRecord Message(string tenantId, Direction direction, string body, DeliveryStatus status, DateTimeOffset at) => new(
        Guid.NewGuid(), tenantId, Phone, Channel.Sms, direction, Provider.Twilio, $"SM{Guid.NewGuid():N}", "text", body, status, null, at);
}
