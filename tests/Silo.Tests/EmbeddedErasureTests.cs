using Engine.Gateway.Grpc.V1;
using Engine.TestSupport;
using Google.Rpc;
using Grpc.Core;
using Grpc.Health.V1;
using Grpc.Net.Client;

namespace Engine.Silo.Tests;

/// <summary>Erasure on the embedded engine's in-memory stores, with the suppression key it makes up per run.</summary>
public sealed class EmbeddedErasureTests
{
    private const string AdminKey = "embedded-erasure-admin";

    [Fact]
    public async Task EmbeddedErase_RemovesTheLead_AndKeepsItsOptOut()
    {
        var grpcPort = FreePorts.Next();
        await using var gateway = EngineProcess.Start("Gateway", new Dictionary<string, string>
        {
            ["Gateway__HttpUrl"] = $"http://127.0.0.1:{FreePorts.Next()}",
            ["Gateway__GrpcUrl"] = $"http://127.0.0.1:{grpcPort}",
            ["Orleans__SiloPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Engine__AdminApiKey"] = AdminKey,
        });
        using var channel = GrpcChannel.ForAddress($"http://127.0.0.1:{grpcPort}");
        var auth = new Metadata { { "authorization", $"Bearer {AdminKey}" } };
        var leads = new LeadService.LeadServiceClient(channel);
        await Eventually.GetAsync(
            async () => (await new Health.HealthClient(channel).CheckAsync(new HealthCheckRequest(), deadline: DateTime.UtcNow.AddSeconds(2))).Status,
            s => s == HealthCheckResponse.Types.ServingStatus.Serving, TimeSpan.FromSeconds(60), "gRPC health SERVING");
        await new TenantService.TenantServiceClient(channel).CreateTenantAsync(new CreateTenantRequest
        {
            TenantId = "erase-me",
            Settings = new TenantSettings
            {
                DisplayName = "Embedded Erasure",
                Sms = new SmsChannel { AccountSid = "AC" + new string('7', 32), AuthToken = "token", FromNumber = "+14155550100" },
            },
        }, auth);
        const string phone = "+12125550191";
        await leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = "erase-me", Phone = phone, Name = "Mem Ory" }, auth);
        await leads.RecordConsentAsync(new RecordConsentRequest
        {
            TenantId = "erase-me", Phone = phone, Channel = Channel.Sms, Status = ConsentStatus.OptedOut, Source = ConsentSource.UserRequest, Evidence = "asked in person",
        }, auth);

        var erased = await leads.EraseLeadAsync(new EraseLeadRequest { TenantId = "erase-me", Phone = phone }, auth);

        Assert.True(erased.Removed["consent_ledger"] > 0 && erased.Removed["events"] > 0, erased.Removed.ToString());
        var missing = await Assert.ThrowsAsync<RpcException>(() => leads.ExportLeadAsync(new ExportLeadRequest { TenantId = "erase-me", Phone = phone }, auth).ResponseAsync);
        Assert.Equal(StatusCode.NotFound, missing.StatusCode);
        var refused = await Assert.ThrowsAsync<RpcException>(() => new ConversationService.ConversationServiceClient(channel).SendMessageAsync(
            new SendMessageRequest { TenantId = "erase-me", Phone = phone, Channel = Channel.Sms, Body = "still there?" }, auth).ResponseAsync);
        Assert.Equal((StatusCode.FailedPrecondition, "OPTED_OUT"), (refused.StatusCode, refused.GetRpcStatus()?.GetDetail<Google.Rpc.ErrorInfo>()?.Reason));
    }
}
