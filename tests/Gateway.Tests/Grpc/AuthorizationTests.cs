using Engine.Gateway.Grpc;
using Engine.TestSupport;
using Engine.Gateway.Grpc.V1;
using Google.Rpc;
using Grpc.Core;
using Microsoft.Extensions.DependencyInjection;

namespace Engine.Gateway.Tests.Grpc;

[Collection(GatewayCollection.Name)]
public sealed class AuthorizationTests(GatewayFixture fixture)
{
    private LeadService.LeadServiceClient Leads => new(fixture.Grpc);

    [Fact]
    public async Task MissingOrUnknownKey_IsUnauthenticated()
    {
        var tenant = await fixture.CreateTenantAsync();

        await GrpcAssert.FailsWithAsync(StatusCode.Unauthenticated,
            () => Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenant.Id, Phone = "+12125550100" }).ResponseAsync, "authorization");
        await GrpcAssert.FailsWithAsync(StatusCode.Unauthenticated,
            () => Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenant.Id, Phone = "+12125550100" },
                new Metadata { { "authorization", $"Bearer ek.{tenant.Id}.abcdefabcdef.{new string('0', 64)}" } }).ResponseAsync);
    }

    [Fact]
    public async Task TenantKey_NeverReadsAnotherTenant()
    {
        var (a, b) = (await fixture.CreateTenantAsync(), await fixture.CreateTenantAsync());
        var (keyOfA, _) = await fixture.CreateKeyAsync(a.Id, ApiKeyRole.Messaging, ApiKeyRole.Admin);
        await Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = b.Id, Phone = "+12125550123", Name = "B's lead" }, fixture.AdminAuth);

        await GrpcAssert.FailsWithAsync(StatusCode.PermissionDenied,
            () => Leads.GetLeadAsync(new GetLeadRequest { TenantId = b.Id, Phone = "+12125550123" }, keyOfA).ResponseAsync, "another tenant");
        await GrpcAssert.FailsWithAsync(StatusCode.PermissionDenied,
            () => new TenantService.TenantServiceClient(fixture.Grpc).GetTenantAsync(new GetTenantRequest { TenantId = b.Id }, keyOfA).ResponseAsync);
        await GrpcAssert.FailsWithAsync(StatusCode.PermissionDenied,
            () => new TenantService.TenantServiceClient(fixture.Grpc).CreateTenantAsync(new CreateTenantRequest { TenantId = "sneaky", Settings = new TenantSettings { DisplayName = "x" } }, keyOfA).ResponseAsync);
        var own = await Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = a.Id, Phone = "+12125550123", Name = "A's lead" }, keyOfA);
        Assert.Equal("A's lead", own.Lead.Name);
    }

    [Fact]
    public async Task KeyWithoutTheRole_IsPermissionDenied()
    {
        var tenant = await fixture.CreateTenantAsync();
        var (eventsOnly, _) = await fixture.CreateKeyAsync(tenant.Id, ApiKeyRole.EventsRead);

        await GrpcAssert.FailsWithAsync(StatusCode.PermissionDenied,
            () => Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenant.Id, Phone = "+12125550100" }, eventsOnly).ResponseAsync, "Messaging");
    }

    [Fact]
    public async Task RevokedKey_StopsWorking()
    {
        var tenant = await fixture.CreateTenantAsync();
        var (key, keyId) = await fixture.CreateKeyAsync(tenant.Id, ApiKeyRole.Messaging);
        await Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenant.Id, Phone = "+12125550100" }, key);

        var revoked = await new TenantService.TenantServiceClient(fixture.Grpc).RevokeApiKeyAsync(new RevokeApiKeyRequest { TenantId = tenant.Id, KeyId = keyId }, fixture.AdminAuth);

        Assert.NotNull(revoked.RevokedAt);
        await Engine.TestSupport.Eventually.GetAsync(async () =>
        {
            try
            {
                await Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenant.Id, Phone = "+12125550100" }, key);
                return StatusCode.OK;
            }
            catch (RpcException e)
            {
                return e.StatusCode;
            }
        }, code => code == StatusCode.Unauthenticated, TimeSpan.FromSeconds(10), "the revoked key to be refused");
    }

    [Fact]
    public async Task CreatedKey_SecretIsShownOnce_AndOnlyItsHashIsStored()
    {
        var tenant = await fixture.CreateTenantAsync();
        var created = await new TenantService.TenantServiceClient(fixture.Grpc).CreateApiKeyAsync(
            new CreateApiKeyRequest { TenantId = tenant.Id, Name = "crm", Roles = { ApiKeyRole.Messaging } }, fixture.AdminAuth);

        var secret = created.Secret.Split('.')[3];
        var stored = await fixture.Database.TextRowsAsync(
            "SELECT position(convert_to($2, 'UTF8') IN PayloadBinary), position(convert_to($3, 'UTF8') IN PayloadBinary) FROM OrleansStorage WHERE GrainTypeString = 'tenant' AND GrainIdExtensionString = $1",
            tenant.Id, secret, ApiKeySecrets.Sha256(created.Secret));
        var fetched = await new TenantService.TenantServiceClient(fixture.Grpc).GetTenantAsync(new GetTenantRequest { TenantId = tenant.Id }, fixture.AdminAuth);

        Assert.StartsWith($"ek.{tenant.Id}.", created.Secret, StringComparison.Ordinal);
        Assert.Equal("0", stored.Single()[0]); // the secret is nowhere in the stored state...
        Assert.Equal("0", stored.Single()[1]); // ...and its hash is sealed with the rest of it (README, Data rights)
        Assert.Equal(created.Key.KeyId, fetched.ApiKeys.Single().KeyId);
        await Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenant.Id, Phone = "+12125550109" },
            new Metadata { { "authorization", $"Bearer {created.Secret}" } }); // the stored hash authenticates it
        Assert.Empty(fetched.Settings.Sms.AuthToken); // secrets are write-only
    }

    [Fact]
    public async Task TooManyCalls_IsResourceExhausted_WithRetryInfo()
    {
        var tenant = await fixture.CreateTenantAsync();
        var (key, _) = await fixture.CreateKeyAsync(tenant.Id, ApiKeyRole.Messaging);
        await Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenant.Id, Phone = "+12125550100" }, key);

        var outcomes = await Task.WhenAll(Enumerable.Range(0, GatewayFixture.ApiKeyCallsPerSecond * 4).Select(async _ =>
        {
            try
            {
                await Leads.GetLeadAsync(new GetLeadRequest { TenantId = tenant.Id, Phone = "+12125550100" }, key);
                return (StatusCode.OK, (RpcException?)null);
            }
            catch (RpcException e)
            {
                return (e.StatusCode, e);
            }
        }));

        Assert.Contains(outcomes, o => o.Item1 == StatusCode.OK);
        var exhausted = outcomes.Where(o => o.Item1 == StatusCode.ResourceExhausted).ToArray();
        Assert.NotEmpty(exhausted);
        Assert.All(exhausted, o =>
        {
            Assert.Equal("RATE_LIMITED", GrpcAssert.Reason(o.Item2!));
            Assert.InRange(GrpcAssert.Detail<RetryInfo>(o.Item2!).RetryDelay.ToTimeSpan(), TimeSpan.FromTicks(1), TimeSpan.FromSeconds(1));
            Assert.DoesNotContain(o.Item2!.Trailers, t => t.Key == "retry-after"); // RetryInfo is the one way to say it
        });
        Assert.All(outcomes, o => Assert.Contains(o.Item1, new[] { StatusCode.OK, StatusCode.ResourceExhausted }));
    }

    [Fact]
    public async Task RevokedKey_EndsItsOpenSubscribeStream_WithUnauthenticated()
    {
        var tenant = await fixture.CreateTenantAsync();
        var (key, keyId) = await fixture.CreateKeyAsync(tenant.Id, ApiKeyRole.EventsRead);
        using var cancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var call = new EventService.EventServiceClient(fixture.Grpc).Subscribe(new SubscribeRequest { TenantId = tenant.Id }, key, cancellationToken: cancel.Token);
        await Leads.UpsertLeadAsync(new UpsertLeadRequest { TenantId = tenant.Id, Phone = "+12125550177" }, fixture.AdminAuth);
        Assert.True(await call.ResponseStream.MoveNext(cancel.Token)); // the stream is open and authorized

        await new TenantService.TenantServiceClient(fixture.Grpc).RevokeApiKeyAsync(new RevokeApiKeyRequest { TenantId = tenant.Id, KeyId = keyId }, fixture.AdminAuth);

        var ended = await Assert.ThrowsAsync<RpcException>(async () =>
        {
            while (await call.ResponseStream.MoveNext(cancel.Token))
            {
            }
        });
        Assert.True(ended.StatusCode == StatusCode.Unauthenticated, $"expected Unauthenticated, got {ended.StatusCode}: {ended.Status.Detail}");
        Assert.Contains("revoked", ended.Status.Detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ImportLeads_TakesACallPerHundredRows_AndWaitsForTheRateLimit_WithoutFailingTheStream()
    {
        var tenant = await fixture.CreateTenantAsync();
        var (key, keyId) = await fixture.CreateKeyAsync(tenant.Id, ApiKeyRole.Messaging);
        var authentication = fixture.Gateway.Services.GetRequiredService<CallerAuthentication>();
        // Calls for twice the key's burst (which is two seconds of its rate): the stream cannot finish
        // without waiting for the limiter, however fast the client writes.
        var rows = GatewayFixture.ApiKeyCallsPerSecond * 4 * 100;
        using var call = Leads.ImportLeads(key);

        for (var row = 0; row < rows; row++)
        {
            await call.RequestStream.WriteAsync(new ImportLeadRow { TenantId = tenant.Id, Phone = "12" }); // invalid: cheap, yet a row
        }

        await call.RequestStream.CompleteAsync();
        var summary = await call;

        Assert.Equal((0, rows), (summary.Imported, summary.Errors.Count));
        Assert.Equal(rows / 100, authentication.CallsGranted(keyId));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public async Task ImportLeads_IsCheckedLikeAnyCall_EvenWithoutRows(int rows)
    {
        var tenant = await fixture.CreateTenantAsync();
        var (otherTenantsKey, _) = await fixture.CreateKeyAsync((await fixture.CreateTenantAsync()).Id, ApiKeyRole.Messaging);

        async Task<StatusCode> ImportAsync(Metadata? key)
        {
            using var call = Leads.ImportLeads(key ?? []);
            for (var row = 0; row < rows; row++)
            {
                await call.RequestStream.WriteAsync(new ImportLeadRow { TenantId = tenant.Id, Phone = "+12125550100" });
            }

            await call.RequestStream.CompleteAsync();
            return (await Assert.ThrowsAsync<RpcException>(() => call.ResponseAsync)).StatusCode;
        }

        Assert.Equal(StatusCode.Unauthenticated, await ImportAsync(null));
        if (rows > 0)
        {
            Assert.Equal(StatusCode.PermissionDenied, await ImportAsync(otherTenantsKey)); // the first row names whose data it touches
        }
    }
}
