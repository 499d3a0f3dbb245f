using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Encryption;
using Engine.Grains.Events;
using Engine.Grains.Storage.Messages;
using Engine.Grains.Storage.Outbox;
using Engine.Grains.Tests.Grains;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Engine.Grains.Storage.Events;

namespace Engine.Grains.Tests.Storage;

/// <summary>
/// A provider message belongs to one engine message. Recording an acceptance under an id another
/// message holds, or that an earlier one of the same batch takes, is refused and reported, and the rest
/// of the batch is recorded: in memory and in PostgreSQL alike.
/// </summary>
[Collection(PostgresClusterCollection.Name)]
public sealed class AcceptedHandOffTests(PostgresClusterFixture fixture)
{
    private const string Phone = "+12125550177";

    [Fact]
    public async Task AnIdAnotherMessageHolds_IsRefused_AndTheRestOfTheBatchIsRecorded_InMemory()
    {
        var table = new InMemoryMessageTable(new InMemoryEventLog(new NoRelay()), TimeProvider.System);
        await AssertRefusalsAsync(new InMemoryConversationLog(table), new InMemoryOutbox(table));
    }

    [Fact]
    public async Task AnIdAnotherMessageHolds_IsRefused_AndTheRestOfTheBatchIsRecorded_InPostgres()
    {
        var cipher = fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<PayloadCipher>();
        await using var db = NpgsqlDataSource.Create(fixture.Database.ConnectionString);
        await AssertRefusalsAsync(new PostgresConversationLog(db, new NoRelay(), cipher, TimeProvider.System), new PostgresOutbox(db, new NoRelay(), cipher, TimeProvider.System));
    }

    private static async Task AssertRefusalsAsync(IConversationLog log, IOutbox outbox)
    {
        var tenantId = $"adopt-{Guid.NewGuid():N}"[..20];
        var (holder, late, first, second, plain) = (Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid(), Guid.NewGuid());
        foreach (var id in new[] { holder, late, first, second, plain })
        {
            Assert.True(await log.TryAppendAsync(new MessageRecord(
                id, tenantId, Phone, Channel.Sms, Direction.Outbound, Provider.Twilio, null, "text", "same words", DeliveryStatus.Queued, null, DateTimeOffset.UtcNow)));
        }

        Assert.Empty(await outbox.RecordAcceptedAsync([new AcceptedHandOff(holder, Provider.Twilio, "SM-held")]));
        Assert.Equal(["SM-held"], await outbox.FindHeldAsync(tenantId, Provider.Twilio, ["SM-held", "SM-free"]));

        var refused = await outbox.RecordAcceptedAsync([
            new AcceptedHandOff(late, Provider.Twilio, "SM-held"),
            new AcceptedHandOff(first, Provider.Twilio, "SM-shared"),
            new AcceptedHandOff(second, Provider.Twilio, "SM-shared"),
            new AcceptedHandOff(plain, Provider.Twilio, "SM-plain"),
        ]);

        Assert.Equal(new HashSet<Guid> { late, second }, refused.ToHashSet());
        Assert.Equal(
            new HashSet<string> { "SM-held", "SM-shared", "SM-plain" },
            (await outbox.FindHeldAsync(tenantId, Provider.Twilio, ["SM-held", "SM-shared", "SM-plain"])).ToHashSet());
        var waiting = (await outbox.ReadAsync(tenantId, Channel.Sms, 10)).Select(m => m.MessageId).ToHashSet();
        Assert.Equal(new HashSet<Guid> { late, second }, waiting);
    }
}
