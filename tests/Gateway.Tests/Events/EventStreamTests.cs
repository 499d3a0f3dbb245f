using System.Text.Json;
using Engine.Gateway.Grpc.V1;
using Engine.Gateway.Tests.Grpc;
using Engine.Gateway.Tests.Webhooks;
using Engine.Grains.Abstractions.Events;
using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Tenants;
using Engine.TestSupport;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Core.Internal;
using StackExchange.Redis;
using Engine.Grains.Storage.Events;

namespace Engine.Gateway.Tests.Events;

/// <summary>EventService.Subscribe over real gRPC: order, resumption, fan-out, isolation, backfill, relay faults.</summary>
[Collection(GatewayCollection.Name)]
public sealed class EventStreamTests(GatewayFixture fixture)
{
    private EventService.EventServiceClient Events => new(fixture.Grpc);

    [Fact]
    public async Task Subscribe_FromTheStart_GetsEveryChangeInOrder_WithDenseCursors()
    {
        var (tenant, key) = await TenantWithTrafficAsync(3);

        var events = await ReadAsync(tenant.Id, key, after: 0, count: 6);

        Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), events.Select(e => e.Cursor));
        Assert.Equal(3, events.Count(e => e.Type == "message.received"));
        Assert.Equal(3, events.Count(e => e.Type == "lead.created"));
        var received = events.Where(e => e.Type == "message.received").Select(e => JsonDocument.Parse(e.CloudEvent).RootElement).ToArray();
        Assert.Equal(["message 0", "message 1", "message 2"], received.Select(r => r.GetProperty("data").GetProperty("body").GetString()));
    }

    [Fact]
    public async Task Event_IsAValidCloudEvent_WithItsCursor()
    {
        var (tenant, key) = await TenantWithTrafficAsync(1);

        var evt = (await ReadAsync(tenant.Id, key, after: 0, count: 1, types: ["message.received"])).Single();

        var cloudEvent = JsonDocument.Parse(evt.CloudEvent).RootElement;
        Assert.Equal("1.0", cloudEvent.GetProperty("specversion").GetString());
        Assert.Equal("message.received", cloudEvent.GetProperty("type").GetString());
        Assert.Equal($"urn:engine:tenant:{tenant.Id}", cloudEvent.GetProperty("source").GetString());
        Assert.Equal(evt.Cursor.ToString(System.Globalization.CultureInfo.InvariantCulture), cloudEvent.GetProperty("cursor").GetString());
        Assert.Equal(evt.Id, cloudEvent.GetProperty("id").GetString());
        Assert.Equal("+12125554000", cloudEvent.GetProperty("data").GetProperty("phone").GetString());
    }

    [Fact]
    public async Task Resume_AfterDisconnect_GetsEveryLaterEventExactlyOnce()
    {
        var (tenant, key) = await TenantWithTrafficAsync(4);
        var firstPart = await ReadAsync(tenant.Id, key, after: 0, count: 5);

        await SendInboundAsync(tenant, 4, 6); // more happens while disconnected
        var rest = await ReadAsync(tenant.Id, key, after: firstPart[^1].Cursor, count: 20 - 5);
        var everything = await ReadAsync(tenant.Id, key, after: 0, count: 20);

        Assert.Equal(everything.Select(e => e.Id), firstPart.Concat(rest).Select(e => e.Id));
        Assert.Equal(everything.Select(e => e.Id).Distinct().Count(), everything.Count);
    }

    [Fact]
    public async Task TwoSubscribers_GetTheSameEvents()
    {
        var (tenant, key) = await TenantWithTrafficAsync(2);

        var both = await Task.WhenAll(ReadAsync(tenant.Id, key, 0, 4), ReadAsync(tenant.Id, key, 0, 4));

        Assert.Equal(both[0].Select(e => (e.Cursor, e.Id)), both[1].Select(e => (e.Cursor, e.Id)));
    }

    [Fact]
    public async Task LiveEvents_ArriveOnAnOpenStream()
    {
        var (tenant, key) = await TenantWithTrafficAsync(1);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        using var call = Events.Subscribe(new SubscribeRequest { TenantId = tenant.Id, AfterCursor = 2, EventTypes = { "message.received" } }, key, cancellationToken: cancel.Token);

        await SendInboundAsync(tenant, 1, 1);
        Assert.True(await call.ResponseStream.MoveNext(cancel.Token));

        Assert.Equal("message.received", call.ResponseStream.Current.Type);
        Assert.True(call.ResponseStream.Current.Cursor > 2);
    }

    [Fact]
    public async Task OtherTenantsKey_OrAKeyWithoutTheRole_IsPermissionDenied()
    {
        var (tenant, _) = await TenantWithTrafficAsync(1);
        var other = await fixture.CreateTenantAsync();
        var (otherKey, _) = await fixture.CreateKeyAsync(other.Id, ApiKeyRole.EventsRead);
        var (messagingOnly, _) = await fixture.CreateKeyAsync(tenant.Id, ApiKeyRole.Messaging);

        await GrpcAssert.FailsWithAsync(StatusCode.PermissionDenied, () => ReadAsync(tenant.Id, otherKey, 0, 1));
        await GrpcAssert.FailsWithAsync(StatusCode.PermissionDenied, () => ReadAsync(tenant.Id, messagingOnly, 0, 1));
        await GrpcAssert.FailsWithAsync(StatusCode.InvalidArgument, () => ReadAsync(tenant.Id, fixture.AdminAuth, 0, 1, types: ["message.teleported"]), "event_types:");
    }

    [Fact]
    public async Task CursorOlderThanTheRedisBuffer_IsBackfilledFromPostgres()
    {
        var (tenant, key) = await TenantWithTrafficAsync(2);
        await ReadAsync(tenant.Id, key, 0, 4); // published
        using (var redis = await ConnectionMultiplexer.ConnectAsync(fixture.Redis.Configuration))
        {
            await redis.GetDatabase().KeyDeleteAsync($"engine:events:{tenant.Id}");
        }

        var events = await ReadAsync(tenant.Id, key, 0, 4);

        Assert.Equal(Enumerable.Range(1, 4).Select(i => (long)i), events.Select(e => e.Cursor));
    }

    [Fact]
    public async Task RedisDown_SubscribeReadsPostgres_AndStillGetsLiveEvents()
    {
        var (tenant, key) = await TenantWithTrafficAsync(2);
        await ReadAsync(tenant.Id, key, 0, 4); // published while Redis was up

        await fixture.Redis.StopAsync();
        try
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            using var call = Events.Subscribe(new SubscribeRequest { TenantId = tenant.Id, AfterCursor = 0 }, key, cancellationToken: cancel.Token);
            var events = new List<Event>();
            while (events.Count < 4 && await call.ResponseStream.MoveNext(cancel.Token))
            {
                events.Add(call.ResponseStream.Current);
            }

            // While the stream waits with no Redis notification, three new leads write, one after another:
            // the relay publishes several batches with Redis gone, and each must still get its cursors.
            await SendInboundAsync(tenant, 2, 3);
            while (events.Count < 10 && await call.ResponseStream.MoveNext(cancel.Token))
            {
                events.Add(call.ResponseStream.Current);
            }

            Assert.Equal(Enumerable.Range(1, 10).Select(i => (long)i), events.Select(e => e.Cursor));
        }
        finally
        {
            await fixture.Redis.StartAsync();
        }
    }

    // A Redis that accepts connections but answers nothing: its clients time out rather than being refused.
    [Fact]
    public async Task RedisHung_WebhooksAreAccepted_AndSubscribeStillGetsEveryEvent()
    {
        var (tenant, key) = await TenantWithTrafficAsync(0);
        fixture.Redis.Pause();
        try
        {
            await SendInboundAsync(tenant, 0, 3);
            var events = await ReadAsync(tenant.Id, key, 0, 6);

            Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), events.Select(e => e.Cursor));
        }
        finally
        {
            fixture.Redis.Resume();
        }
    }

    [Fact]
    public async Task SiloRestart_LosesNoEvent_AndCursorsStayDense()
    {
        var (tenant, key) = await TenantWithTrafficAsync(2);
        var before = await ReadAsync(tenant.Id, key, 0, 4);

        fixture.KillSilo();
        await fixture.StartSiloAsync();
        await Eventually.GetAsync(async () =>
        {
            await SendInboundAsync(tenant, 2, 1);
            return true;
        }, ok => ok, TimeSpan.FromSeconds(60), "the webhook to be accepted after the restart");
        var after = await ReadAsync(tenant.Id, key, before[^1].Cursor, 2);
        var all = await ReadAsync(tenant.Id, key, 0, 6);

        Assert.Equal(Enumerable.Range(1, 6).Select(i => (long)i), all.Select(e => e.Cursor));
        Assert.Equal(all.Select(e => e.Id), before.Concat(after).Select(e => e.Id));
    }

    [Fact]
    public async Task TenantGrainFailing_WhileTheRelayPokes_NeverLetsASubscriberSkipACursor()
    {
        var (tenant, key) = await TenantWithTrafficAsync(1);
        await ReadAsync(tenant.Id, key, 0, 2); // cursors 1 and 2 are in the Redis stream
        var tenantRow = "GrainTypeString = 'tenant' AND GrainIdExtensionString = $1";
        var saved = (byte[])(await fixture.Database.RowsAsync($"SELECT PayloadBinary FROM OrleansStorage WHERE {tenantRow}", tenant.Id)).Single()[0]!;

        // The fault: the tenant grain cannot activate (its stored state is unreadable), so the relay's
        // poke of partner subscriptions, which asks the tenant grain for them, fails after cursors are
        // assigned. A fresh relay activation, once the silo's cached copy of the tenant has expired, asks it again.
        await fixture.Cluster.GetGrain<IEventRelayGrain>(tenant.Id).Cast<IGrainManagementExtension>().DeactivateOnIdle();
        // DeactivateOnIdle lets a call that arrives meanwhile still reach the old activation, and that activation
        // may write its state back (an API key's last use): corrupt and ask again until a fresh activation fails.
        await Eventually.GetAsync(async () =>
        {
            await fixture.Database.CountAsync($"UPDATE OrleansStorage SET PayloadBinary = convert_to('not json', 'UTF8') WHERE {tenantRow}", tenant.Id);
            await fixture.Cluster.GetGrain<ITenantGrain>(tenant.Id).Cast<IGrainManagementExtension>().DeactivateOnIdle();
            try
            {
                await fixture.Cluster.GetGrain<ITenantGrain>(tenant.Id).GetAsync();
                return false;
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                return true;
            }
        }, failed => failed, TimeSpan.FromSeconds(20), "the tenant grain to fail to activate");
        // The relay reads the tenant through its silo's tenant cache: past the cache's lifetime it asks the failing grain.
        await Task.Delay(TenantCache.Lifetime + TimeSpan.FromSeconds(1));
        await AppendEventAsync(tenant.Id, 3);
        await AppendEventAsync(tenant.Id, 4); // once it has a cursor, the relay is done with the third one

        await fixture.Database.CountAsync($"UPDATE OrleansStorage SET PayloadBinary = $2 WHERE {tenantRow}", tenant.Id, saved);
        await AppendEventAsync(tenant.Id, 5);
        var events = await ReadAsync(tenant.Id, key, 0, 5);

        Assert.Equal([1L, 2, 3, 4, 5], events.Select(e => e.Cursor));
    }

    // Through the engine's own event log, which pokes the relay: no tenant grain involved.
    private async Task AppendEventAsync(string tenantId, int cursor)
    {
        var phone = $"+1212555{4000 + cursor}";
        await fixture.Gateway.Services.GetRequiredService<IEventLog>().AppendAsync(new EventDraft(
            $"relay-fault-{Guid.NewGuid():N}", tenantId, EventTypes.LeadUpdated, phone, phone, DateTimeOffset.UtcNow, $$"""{"phone":"{{phone}}"}"""));
        await Eventually.GetAsync(
            () => fixture.Database.CountAsync("SELECT count(*) FROM events WHERE tenant_id = $1 AND cursor IS NOT NULL", tenantId),
            n => n == cursor, TimeSpan.FromSeconds(20), $"event {cursor} to get its cursor");
    }

    private async Task<(TestTenant Tenant, Metadata Key)> TenantWithTrafficAsync(int messages)
    {
        var tenant = await fixture.CreateTenantAsync();
        var (key, _) = await fixture.CreateKeyAsync(tenant.Id, ApiKeyRole.EventsRead);
        await SendInboundAsync(tenant, 0, messages);
        return (tenant, key);
    }

    // Each message comes from a new number: lead.created, then message.received (two events).
    private async Task SendInboundAsync(TestTenant tenant, int from, int count)
    {
        for (var i = from; i < from + count; i++)
        {
            var response = await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}",
                Signed.TwilioInbound($"SM{Guid.NewGuid():N}", $"+1212555{4000 + i}", $"message {i}")));
            response.EnsureSuccessStatusCode();
        }
    }

    private async Task<List<Event>> ReadAsync(string tenantId, Metadata key, long after, int count, string[]? types = null)
    {
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        using var call = Events.Subscribe(new SubscribeRequest { TenantId = tenantId, AfterCursor = after, EventTypes = { types ?? [] } }, key, cancellationToken: cancel.Token);
        var events = new List<Event>();
        try
        {
            while (events.Count < count && await call.ResponseStream.MoveNext(cancel.Token))
            {
                events.Add(call.ResponseStream.Current);
            }
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancel.IsCancellationRequested)
        {
            // Time is up: the caller's assertions say what is missing.
        }

        return events;
    }
}
