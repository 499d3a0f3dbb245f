using System.Globalization;
using System.Text.Json;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Events;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Encryption;
using Engine.Grains.Events;
using Engine.Grains.Storage.Messages;
using Engine.Grains.Storage.Outbox;
using Engine.Grains.Tests.Grains;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Engine.Grains.Storage.Events;

namespace Engine.Grains.Tests.Storage;

/// <summary>
/// Partners must not see which backend an engine runs on: one story of status changes, told to the
/// in-memory stores and to PostgreSQL on the same fake clock with the same ids, reads back as the same
/// events, byte for byte. The clock ticks in sub-microsecond steps and the PostgreSQL session is not
/// in UTC, so both time normalisations are exercised.
/// </summary>
[Collection(PostgresClusterCollection.Name)]
public sealed class StatusEventParityTests(PostgresClusterFixture fixture)
{
    private static readonly DateTimeOffset Start = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero).AddTicks(1_234_567);

    [Fact]
    public async Task EveryStatusPath_WritesTheSameEvents_InMemoryAndInPostgres()
    {
        var story = new Story($"parity-{Guid.NewGuid():N}"[..20]);

        var inMemory = await TellInMemoryAsync(story);
        var postgres = await TellPostgresAsync(story);

        Assert.Equal(
            [EventTypes.MessageQueued, EventTypes.MessageQueued, EventTypes.MessageQueued, EventTypes.MessageQueued, EventTypes.MessageQueued,
             EventTypes.MessageSent, EventTypes.MessageDelivered, EventTypes.MessageFailed, EventTypes.MessageSuppressed,
             EventTypes.MessageCanceled, EventTypes.MessageCanceled],
            inMemory.Select(e => e.Type));
        Assert.Equal(inMemory.Count, postgres.Count);
        Assert.All(inMemory.Zip(postgres), pair => Assert.Equal(AsReceived(pair.First), AsReceived(pair.Second)));
        Assert.All(inMemory, e => Assert.Equal(e.Type == EventTypes.MessageQueued, JsonDocument.Parse(e.DataJson).RootElement.TryGetProperty("media", out _))); // first events only
    }

    // What partners and subscribers receive, as one text for a readable diff; cursors are the relay's.
    private static string AsReceived(EngineEvent e) => string.Create(CultureInfo.InvariantCulture,
        $"{e.EventId} {e.Type} {e.Subject} {e.OccurredAt:O}\n{e.DataJson}\n{CloudEventEnvelope.ToJson(e with { Cursor = 0 })}");

    private static async Task<IReadOnlyList<EngineEvent>> TellInMemoryAsync(Story story)
    {
        var time = new FakeTimeProvider(Start);
        var events = new InMemoryEventLog(new NoRelay());
        var table = new InMemoryMessageTable(events, time);
        await story.TellAsync(new InMemoryConversationLog(table), new InMemoryOutbox(table), time);
        return await ReadBackAsync(events, story.TenantId);
    }

    // A session time zone other than UTC: jsonb renders times in it.
    private async Task<IReadOnlyList<EngineEvent>> TellPostgresAsync(Story story)
    {
        var time = new FakeTimeProvider(Start);
        await using var db = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(fixture.Database.ConnectionString) { Timezone = "Asia/Kolkata" }.ConnectionString);
        var cipher = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<PayloadCipher>();
        await story.TellAsync(new PostgresConversationLog(db, new NoRelay(), cipher, time), new PostgresOutbox(db, new NoRelay(), cipher, time), time);
        return await ReadBackAsync(new PostgresEventLog(db, new NoRelay(), cipher), story.TenantId);
    }

    private static async Task<IReadOnlyList<EngineEvent>> ReadBackAsync(IEventLog log, string tenantId)
    {
        await log.AssignCursorsAsync(tenantId, 0, 100);
        return await log.ReadAsync(tenantId, 0, 100);
    }

    /// <summary>Five messages of one lead (with media), each taken down another path that writes a status event.</summary>
    private sealed class Story(string tenantId)
    {
        private const string Phone = "+12125550142";
        private readonly Guid[] _ids = [.. Enumerable.Range(0, 5).Select(_ => Guid.NewGuid())];

        public string TenantId => tenantId;

        public async Task TellAsync(IConversationLog log, IOutbox outbox, FakeTimeProvider time)
        {
            var (delivered, failed, suppressed, canceled, withdrawn) = (_ids[0], _ids[1], _ids[2], _ids[3], _ids[4]);
            foreach (var id in _ids)
            {
                Assert.True(await log.TryAppendAsync(Outbound(id, id == withdrawn ? DeliveryStatus.Scheduled : DeliveryStatus.Queued, time)));
                Tick(time);
            }

            Assert.Equal(2, (await outbox.BeginHandOffAsync([delivered, failed])).Count);
            Tick(time);
            await outbox.RecordAcceptedAsync([new AcceptedHandOff(delivered, Provider.Twilio, "SM0142")]);
            Tick(time);

            // A report naming only the provider's id, then one naming the engine's (the group-committed path).
            Assert.NotNull(await log.AdvanceStatusAsync(tenantId, new StatusReport(Provider.Twilio, "SM0142", DeliveryStatus.Sent, null, time.GetUtcNow())));
            Tick(time);
            Assert.NotNull(await log.AdvanceStatusAsync(tenantId, new StatusReport(Provider.Twilio, "SM0142", DeliveryStatus.Delivered, null, time.GetUtcNow(), delivered)));
            Tick(time);
            await outbox.RecordFailedAsync(failed, Provider.Twilio, "30003");
            Tick(time);
            await outbox.RecordSuppressedAsync([(suppressed, "opted_out")]);
            Tick(time);
            Assert.True(await log.AdvanceStatusByIdAsync(withdrawn, DeliveryStatus.Canceled));
            Tick(time);

            // An opt-out cancels what still waits: only the last message (the others have moved on).
            Assert.Equal([canceled], await log.CancelWaitingAsync(tenantId, Phone, [Channel.Sms], "opted_out"));
        }

        // Not a whole microsecond: PostgreSQL keeps microseconds, .NET ticks are a tenth of one.
        private static void Tick(FakeTimeProvider time) => time.Advance(TimeSpan.FromTicks(12_345_678));

        private MessageRecord Outbound(Guid id, DeliveryStatus status, FakeTimeProvider time) => new(
            id, tenantId, Phone, Channel.Sms, Direction.Outbound, Provider.Twilio, null, "media", "Still looking? ✓ <3", status, null, time.GetUtcNow(),
            Media: [new MediaAttachment("https://cdn.example/plan.png?a=1&b=<2>", "image/png", Caption: "plan ✓")]);
    }
}
