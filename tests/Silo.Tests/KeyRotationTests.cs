using System.Security.Cryptography;
using Engine.Gateway.Grpc.V1;
using Engine.TestSupport;
using Grpc.Core;
using Grpc.Net.Client;
using Npgsql;

namespace Engine.Silo.Tests;

/// <summary>
/// Rotating the key-encryption key the way README says, on a Silo and a Gateway process: what was
/// written under the old key stays readable once the new one is active, and once the old one is gone.
/// </summary>
public sealed class KeyRotationTests
{
    private const string AdminKey = "rotation-admin-key";
    private const string Phone = "+12125550191";
    private static readonly string OldKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private static readonly string NewKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
    private readonly Metadata _auth = new() { { "authorization", $"Bearer {AdminKey}" } };

    [Fact]
    public async Task RowsWrittenUnderTheOldKey_StayReadable_AfterTheActiveKeyChanges_AndAfterTheOldKeyIsRemoved()
    {
        var connectionString = await TestServices.CreateDatabaseAsync("rotation");
        await using var db = NpgsqlDataSource.Create(connectionString);
        var tenantId = $"rot-{Guid.NewGuid():N}"[..16];

        await using (var engine = await RunningEngine.StartAsync(connectionString, ("old", OldKey)))
        {
            await engine.Tenants.CreateTenantAsync(new CreateTenantRequest
            {
                TenantId = tenantId,
                Settings = new TenantSettings
                {
                    DisplayName = "Rotation Realty",
                    Sms = new SmsChannel { AccountSid = "AC" + new string('5', 32), AuthToken = "rotation-auth-token", FromNumber = "+14155550100" },
                    QuietHours = new QuietHours { Enabled = false },
                },
            }, _auth);
            await engine.Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenantId, Phone = Phone, Name = "Old Key Olga" }, _auth);
            await engine.Leads.RecordConsentAsync(new RecordConsentRequest { TenantId = tenantId, Phone = Phone, Status = ConsentStatus.OptedIn, Source = ConsentSource.Form }, _auth);
            await engine.SendAsync(tenantId, "sealed under the old key", _auth);
        }

        Assert.Equal(["old"], await KeyIdsAsync(db));

        await using (var engine = await RunningEngine.StartAsync(connectionString, ("new", NewKey), ("old", OldKey)))
        {
            Assert.Equal(["new"], await KeyIdsAsync(db)); // rewrapped when the silo started
            Assert.Equal("Old Key Olga", (await engine.Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenantId, Phone = Phone }, _auth)).Name);
            Assert.Contains("sealed under the old key", await engine.BodiesAsync(tenantId, _auth));
            await engine.SendAsync(tenantId, "sealed after the rotation", _auth);
        }

        await using (var engine = await RunningEngine.StartAsync(connectionString, ("new", NewKey)))
        {
            Assert.Equal("Old Key Olga", (await engine.Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenantId, Phone = Phone }, _auth)).Name);
            Assert.Equal(["sealed after the rotation", "sealed under the old key"], (await engine.BodiesAsync(tenantId, _auth)).Order());
        }
    }

    [Fact]
    public async Task SiloWithoutTheKeyItsDataKeysAreWrappedBy_ExitsWithOneLineNamingIt()
    {
        var connectionString = await TestServices.CreateDatabaseAsync("rotation");
        await using (await RunningEngine.StartAsync(connectionString, ("old", OldKey)))
        {
        }

        await using var silo = EngineProcess.Start("Silo", RunningEngine.Settings(connectionString, $"c{Guid.NewGuid():N}"[..12], [("other", NewKey)]));

        Assert.Equal(2, await silo.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains("wrapped by key-encryption key 'old'", silo.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", silo.Output, StringComparison.Ordinal);
    }

    private static async Task<string[]> KeyIdsAsync(NpgsqlDataSource db) =>
        [.. (await db.TextRowsAsync("SELECT DISTINCT kek_id FROM data_keys")).Select(r => r[0]!)];

    /// <summary>A Silo and a Gateway process whose first key is the active one.</summary>
    private sealed class RunningEngine(EngineProcess silo, EngineProcess gateway, GrpcChannel channel) : IAsyncDisposable
    {
        public TenantService.TenantServiceClient Tenants => new(channel);
        public LeadService.LeadServiceClient Leads => new(channel);
        private ConversationService.ConversationServiceClient Conversations => new(channel);

        public static async Task<RunningEngine> StartAsync(string connectionString, params (string Id, string Key)[] keys)
        {
            var clusterId = $"c{Guid.NewGuid():N}"[..12];
            var silo = EngineProcess.Start("Silo", Settings(connectionString, clusterId, keys));
            var grpcPort = FreePorts.Next();
            var gateway = EngineProcess.Start("Gateway", new Dictionary<string, string>(Settings(connectionString, clusterId, keys))
            {
                ["Engine__AdminApiKey"] = AdminKey,
                ["Gateway__HttpUrl"] = $"http://127.0.0.1:{FreePorts.Next()}",
                ["Gateway__GrpcUrl"] = $"http://127.0.0.1:{grpcPort}",
            });
            var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
            await MultiSiloProcessTests.WaitForServingAsync(channel, gateway);
            return new RunningEngine(silo, gateway, channel);
        }

        public static Dictionary<string, string> Settings(string connectionString, string clusterId, (string Id, string Key)[] keys)
        {
            var settings = new Dictionary<string, string>
            {
                ["ConnectionStrings__Postgres"] = connectionString,
                ["Orleans__ClusterId"] = clusterId,
                ["Orleans__SiloPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Orleans__GatewayPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
                ["Providers__Twilio__BaseUrl"] = $"http://127.0.0.1:{FreePorts.Next()}", // nobody listens: messages stay in the log
                ["Engine__Encryption__ActiveKeyId"] = keys[0].Id,
            };
            foreach (var (id, key) in keys)
            {
                settings[$"Engine__Encryption__Keys__{id}"] = key;
            }

            return settings;
        }

        public async Task SendAsync(string tenantId, string body, Metadata auth) =>
            await Conversations.SendMessageAsync(new SendMessageRequest { TenantId = tenantId, Phone = Phone, Channel = Channel.Sms, Body = body }, auth);

        public async Task<string[]> BodiesAsync(string tenantId, Metadata auth) =>
            [.. (await Conversations.GetConversationAsync(new GetConversationRequest { TenantId = tenantId, Phone = Phone, Channel = Channel.Sms }, auth)).Messages.Select(m => m.Body)];

        public async ValueTask DisposeAsync()
        {
            channel.Dispose();
            await gateway.DisposeAsync();
            await silo.DisposeAsync();
        }
    }
}
