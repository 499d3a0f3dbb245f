using Engine.Gateway.Grpc.V1;
using Engine.Gateway.Tests.Grpc;
using Engine.TestSupport;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using System.Net;

namespace Engine.Gateway.Tests.Webhooks;

/// <summary>The only silo killed: clients are told to come back (503 + Retry-After, UNAVAILABLE), quietly, and nothing is lost.</summary>
[Collection(GatewayCollection.Name)]
public sealed class ClusterOutageTests(GatewayFixture fixture)
{
    [Fact]
    public async Task DuringASiloOutage_WebhooksAre503WithRetryAfter_GrpcIsUnavailable_AndTheRetryIsProcessed()
    {
        var tenant = await fixture.CreateTenantAsync();
        await fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", Signed.TwilioInbound($"SM{Guid.NewGuid():N}", "+12125550101", "warm-up")));
        var sid = $"SM{Guid.NewGuid():N}";
        var outageStarted = DateTimeOffset.UtcNow;

        fixture.KillSilo();
        HttpResponseMessage during;
        RpcException grpcError;
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            during = await fixture.Http.SendAsync(
                Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", Signed.TwilioInbound(sid, "+12125550102", "Are you open Sunday?")), timeout.Token);
            grpcError = await GrpcAssert.FailsWithAsync(StatusCode.Unavailable, () => new TenantService.TenantServiceClient(fixture.Grpc)
                .GetTenantAsync(new GetTenantRequest { TenantId = tenant.Id }, fixture.AdminAuth, deadline: DateTime.UtcNow.AddSeconds(60)).ResponseAsync, "unavailable");
        }
        finally
        {
            await fixture.StartSiloAsync();
        }

        var retried = await Eventually.GetAsync(
            () => fixture.Http.SendAsync(Signed.Twilio(fixture, tenant, $"/webhooks/twilio/{tenant.Id}", Signed.TwilioInbound(sid, "+12125550102", "Are you open Sunday?"))),
            response => response.StatusCode == HttpStatusCode.OK, TimeSpan.FromSeconds(90), "the provider's retry to be accepted");

        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
        Assert.Equal(TimeSpan.FromSeconds(5), during.Headers.RetryAfter?.Delta);
        Assert.Equal((TimeSpan.FromSeconds(5), "CLUSTER_UNAVAILABLE"), (GrpcAssert.Detail<RetryInfo>(grpcError).RetryDelay.ToTimeSpan(), GrpcAssert.Reason(grpcError)));
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal(1, await fixture.Database.CountAsync("SELECT count(*) FROM message_log WHERE tenant_id = $1 AND provider_message_id = $2", tenant.Id, sid));

        // Said once per request as a warning of its own, never as an unhandled error with a stack trace.
        var logged = fixture.GatewayLogs.Entries.Where(e => e.At >= outageStarted).ToArray();
        Assert.Contains(logged, e => e.EventId == 3301 && e.Level == LogLevel.Warning && e.Message.Contains("503", StringComparison.Ordinal));
        Assert.Contains(logged, e => e.EventId == 3301 && e.Level == LogLevel.Warning && e.Message.Contains("Unavailable", StringComparison.Ordinal));
        Assert.DoesNotContain(logged, e => e.Level >= LogLevel.Error && (e.Category.StartsWith("Microsoft.AspNetCore", StringComparison.Ordinal) || e.Category.StartsWith("Grpc", StringComparison.Ordinal)));
    }
}
