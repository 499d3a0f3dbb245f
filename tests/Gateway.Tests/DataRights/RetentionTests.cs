using System.Net;
using System.Text.Json;
using Engine.Gateway.Grpc.V1;
using Engine.Gateway.Tests.Grpc;
using Engine.Gateway.Tests.Webhooks;
using Engine.TestSupport;
using Grpc.Core;

namespace Engine.Gateway.Tests.DataRights;

/// <summary>Retention settings through the API, and the purge they start, on PostgreSQL and Redis.</summary>
[Collection(GatewayCollection.Name)]
public sealed class RetentionTests(GatewayFixture fixture)
{
    private TenantService.TenantServiceClient Tenants => new(fixture.Grpc);

    [Fact]
    public async Task SettingRetention_BlanksOldBodies_DeletesOlderMessages_AndEventsNoLongerCarryTheBodies()
    {
        var tenant = await fixture.CreateTenantAsync();
        var now = DateTimeOffset.UtcNow;
        var (ancient, old, fresh) = ($"wamid.{Guid.NewGuid():N}", $"wamid.{Guid.NewGuid():N}", $"wamid.{Guid.NewGuid():N}");
        var response = await fixture.Http.SendAsync(Signed.Meta(tenant, WhatsAppPayloads.Notification("waba", [WhatsAppPayloads.Change(tenant.PhoneNumberId, messages: [
            WhatsAppPayloads.Text("16505558001", ancient, "forty days ago", (now - TimeSpan.FromDays(40)).ToUnixTimeSeconds()),
            WhatsAppPayloads.Text("16505558002", old, "twenty-five days ago", (now - TimeSpan.FromDays(25)).ToUnixTimeSeconds()),
            WhatsAppPayloads.Text("16505558003", fresh, "today", now.ToUnixTimeSeconds()),
        ])])));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var before = await MessageBodiesInEventsAsync(tenant.Id, expected: 3); // published, bodies and all, to Redis and PostgreSQL
        Assert.Equal(["forty days ago", "today", "twenty-five days ago"], before.Order());

        await UpdateRetentionAsync(tenant.Id, new Retention { MessageBodyDays = 20, MessageDays = 30 });

        await Eventually.GetAsync(() => fixture.Database.TextRowsAsync(
                "SELECT provider_message_id, body_sealed FROM message_log WHERE tenant_id = $1 ORDER BY occurred_at", tenant.Id),
            rows => rows.Count == 2 && rows[0][1] is null, TimeSpan.FromSeconds(30), "the purge");
        Assert.Equal([[old, null], [fresh, "today"]], await fixture.Database.TextRowsAsync(
            "SELECT provider_message_id, body_sealed FROM message_log WHERE tenant_id = $1 ORDER BY occurred_at", tenant.Id));
        Assert.Equal(["today"], await MessageBodiesInEventsAsync(tenant.Id, expected: 1));
    }

    [Fact]
    public async Task BodyRetentionLongerThanMessageRetention_IsInvalidArgument_NamingTheField()
    {
        var tenant = await fixture.CreateTenantAsync();

        await GrpcAssert.FailsWithAsync(StatusCode.InvalidArgument,
            () => UpdateRetentionAsync(tenant.Id, new Retention { MessageBodyDays = 60, MessageDays = 30 }), "settings.retention.message_body_days:");
        await GrpcAssert.FailsWithAsync(StatusCode.InvalidArgument,
            () => UpdateRetentionAsync(tenant.Id, new Retention { MessageDays = -1 }), "settings.retention.message_days:");
        var read = await Tenants.GetTenantAsync(new GetTenantRequest { TenantId = tenant.Id }, fixture.AdminAuth);
        Assert.Equal((0, 0), (read.Settings.Retention.MessageBodyDays, read.Settings.Retention.MessageDays));
    }

    [Fact]
    public async Task Retention_IsReadBack_AndZeroMeansForever()
    {
        var tenant = await fixture.CreateTenantAsync();

        await UpdateRetentionAsync(tenant.Id, new Retention { MessageBodyDays = 0, MessageDays = 400 });

        var read = await Tenants.GetTenantAsync(new GetTenantRequest { TenantId = tenant.Id }, fixture.AdminAuth);
        Assert.Equal((0, 400), (read.Settings.Retention.MessageBodyDays, read.Settings.Retention.MessageDays));
    }

    private async Task UpdateRetentionAsync(string tenantId, Retention retention)
    {
        var current = await Tenants.GetTenantAsync(new GetTenantRequest { TenantId = tenantId }, fixture.AdminAuth);
        var settings = current.Settings.Clone();
        settings.Retention = retention;
        await Tenants.UpdateTenantSettingsAsync(new UpdateTenantSettingsRequest { TenantId = tenantId, Settings = settings }, fixture.AdminAuth);
    }

    // The bodies in the tenant's message.received events, as a subscriber from the first cursor gets them.
    private async Task<List<string>> MessageBodiesInEventsAsync(string tenantId, int expected)
    {
        var events = await Eventually.GetAsync(async () =>
        {
            using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(3));
            using var call = new EventService.EventServiceClient(fixture.Grpc).Subscribe(
                new SubscribeRequest { TenantId = tenantId, EventTypes = { "message.received" } }, fixture.AdminAuth, cancellationToken: cancel.Token);
            var received = new List<Event>();
            try
            {
                while (received.Count < 3 && await call.ResponseStream.MoveNext(cancel.Token))
                {
                    received.Add(call.ResponseStream.Current);
                }
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled)
            {
                // Fewer events than that: the bodies of those there are.
            }

            return received;
        }, received => received.Count(e => Body(e) is not null) == expected, TimeSpan.FromSeconds(30), $"{expected} message bodies in events");
        return [.. events.Select(Body).OfType<string>()];
    }

    private static string? Body(Event evt) =>
        JsonDocument.Parse(evt.CloudEvent).RootElement.GetProperty("data").TryGetProperty("body", out var body) ? body.GetString() : null;
}
