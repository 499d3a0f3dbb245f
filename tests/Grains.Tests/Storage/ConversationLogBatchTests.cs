using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Encryption;
using Engine.Grains.Storage.Messages;
using Engine.Grains.Tests.Grains;
using Engine.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Engine.Grains.Storage.Events;

namespace Engine.Grains.Tests.Storage;

/// <summary>
/// The PostgreSQL conversation log writes concurrent appends and status changes in shared statements.
/// Hundreds at once, with repeats and a row that cannot be written: each caller still gets its own
/// answer, every stored message has exactly one event per change, and the bad row fails alone.
/// </summary>
[Collection(PostgresClusterCollection.Name)]
public sealed class ConversationLogBatchTests(PostgresClusterFixture fixture)
{
    private const int Messages = 400;

    [Fact]
    public async Task ConcurrentAppendsAndStatuses_EachGetTheirOwnAnswer_WithOneEventPerChange()
    {
        var tenantId = $"batch-{Guid.NewGuid():N}"[..20];
        var log = NewLog();
        var messages = Enumerable.Range(0, Messages).Select(i => Outbound(tenantId, i)).ToArray();

        // Every message twice, all at once: exactly one of each pair is stored.
        var appended = await Task.WhenAll(messages.Concat(messages).Select(m => log.TryAppendAsync(m)));
        Assert.Equal(Messages, appended.Count(stored => stored));
        Assert.All(messages, m => Assert.Single(appended.Where((stored, i) => stored && messages[i % Messages] == m)));

        // "delivered" and a late "sent" for each: the later rank wins whatever the order, and only a change is reported.
        var reports = messages.SelectMany(m => new[] { Report(m, DeliveryStatus.Delivered), Report(m, DeliveryStatus.Sent) }).ToArray();
        var moved = await Task.WhenAll(reports.Select(r => log.AdvanceStatusAsync(tenantId, r)));
        Assert.All(messages, m => Assert.Contains(m.MessageId, moved));
        Assert.Equal(Messages, await fixture.Database.CountAsync(
            "SELECT count(*) FROM message_log WHERE tenant_id = $1 AND status = 'delivered' AND provider_message_id = 'SM' || replace(message_id::text, '-', '')", tenantId));
        Assert.Equal(Messages, await fixture.Database.CountAsync("SELECT count(*) FROM events WHERE tenant_id = $1 AND type = 'message.queued'", tenantId));
        Assert.Equal(await fixture.Database.CountAsync("SELECT count(*) FROM events WHERE tenant_id = $1 AND type <> 'message.queued'", tenantId),
            moved.Count(id => id is not null));
    }

    [Fact]
    public async Task AStatusThatCannotBeWritten_FailsAlone_TheOthersInItsBatchAreStored()
    {
        var tenantId = $"batch-{Guid.NewGuid():N}"[..20];
        var log = NewLog();
        var messages = Enumerable.Range(0, Messages).Select(i => Outbound(tenantId, i)).ToArray();
        await Task.WhenAll(messages.Select(m => log.TryAppendAsync(m)));

        // The first report claims the provider id the second message will carry: the unique index refuses it.
        var reports = messages.Select(m => Report(m, DeliveryStatus.Sent)).ToArray();
        reports[0] = reports[0] with { ProviderMessageId = reports[1].ProviderMessageId };
        var outcomes = await Task.WhenAll(reports.Select(async r =>
        {
            try
            {
                return await log.AdvanceStatusAsync(tenantId, r) is not null;
            }
            catch (Npgsql.PostgresException)
            {
                return (bool?)null;
            }
        }));

        Assert.Equal(Messages - 1, outcomes.Count(o => o == true));
        Assert.Equal(Messages - 1, await fixture.Database.CountAsync("SELECT count(*) FROM message_log WHERE tenant_id = $1 AND status = 'sent'", tenantId));
    }

    private PostgresConversationLog NewLog() => new(
        fixture.Database,
        new GrainEventNotifier(fixture.Grains, TimeProvider.System),
        fixture.Cluster.Silos[0].ServiceProvider.GetRequiredService<PayloadCipher>(),
        TimeProvider.System);

    private static MessageRecord Outbound(string tenantId, int i) => new(
        Guid.NewGuid(), tenantId, $"+1212555{i:D4}", Channel.Sms, Direction.Outbound, Provider.Twilio, null, "text",
        $"Hello {i}", DeliveryStatus.Queued, null, DateTimeOffset.UtcNow);

    private static StatusReport Report(MessageRecord message, DeliveryStatus status) =>
        new(Provider.Twilio, $"SM{message.MessageId:N}", status, null, DateTimeOffset.UtcNow, message.MessageId);
}
