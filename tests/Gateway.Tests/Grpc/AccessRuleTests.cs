using System.Reflection;
using Engine.Gateway.Grpc;
using Engine.Gateway.Grpc.OpenApi;
using Grpc.Core;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Engine.Gateway.Tests.Grpc;

/// <summary>The access table: every RPC declares who may call it, and a method that does not is refused.</summary>
[Collection(GatewayCollection.Name)]
public sealed class AccessRuleTests(GatewayFixture fixture)
{
    [Fact]
    public void EveryServiceMethod_DeclaresItsAccess_AndNamesATenant()
    {
        var implementations = typeof(AccessInterceptor).Assembly.GetTypes()
            .Where(t => t.BaseType?.GetCustomAttribute<BindServiceMethodAttribute>() is not null)
            .ToDictionary(t => t.BaseType!.DeclaringType!.Name, StringComparer.Ordinal);
        var methods = ProtoOpenApiDocument.Services().SelectMany(s => s.Methods).ToArray();

        Assert.True(methods.Length >= 27, $"only {methods.Length} methods found");
        var undeclared = methods.Where(method =>
        {
            var implementation = implementations[method.Service.Name].GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.DeclaredOnly)
                .SingleOrDefault(m => m.Name == method.Name);
            return implementation?.GetCustomAttribute<AccessAttribute>() is null;
        }).Select(m => m.FullName);
        Assert.Empty(undeclared);
        // Tenant scope is read from tenant_id: a request without it would be checked for its role only.
        Assert.Empty(methods.Where(m => m.InputType.FindFieldByName("tenant_id") is null).Select(m => m.FullName));
    }

    [Fact]
    public async Task MethodWithoutAccessRule_IsRefused_BeforeItRuns()
    {
        var interceptor = ActivatorUtilities.CreateInstance<AccessInterceptor>(fixture.Gateway.Services);
        var ran = false;

        var error = await Assert.ThrowsAsync<RpcException>(() => interceptor.UnaryServerHandler<Engine.Gateway.Grpc.V1.GetLeadRequest, Engine.Gateway.Grpc.V1.Lead>(
            new Engine.Gateway.Grpc.V1.GetLeadRequest { TenantId = "acme" }, new UndeclaredCall(), (_, _) =>
            {
                ran = true;
                return Task.FromResult(new Engine.Gateway.Grpc.V1.Lead());
            }));

        Assert.Equal(StatusCode.PermissionDenied, error.StatusCode);
        Assert.Contains("declares no access rule", error.Status.Detail, StringComparison.Ordinal);
        Assert.False(ran);
    }

    // A call routed to no endpoint, so no AccessAttribute: as a method added without one would be.
    private sealed class UndeclaredCall : ServerCallContext
    {
        private readonly Dictionary<object, object> _userState = new() { ["__HttpContext"] = new DefaultHttpContext() };

        protected override string MethodCore => "/engine.v1.LeadService/Undeclared";
        protected override string HostCore => "localhost";
        protected override string PeerCore => "ipv4:127.0.0.1:1";
        protected override DateTime DeadlineCore => DateTime.MaxValue;
        protected override Metadata RequestHeadersCore { get; } = new() { { "authorization", $"Bearer {GatewayFixture.AdminKey}" } };
        protected override CancellationToken CancellationTokenCore => CancellationToken.None;
        protected override Metadata ResponseTrailersCore { get; } = [];
        protected override Status StatusCore { get; set; }
        protected override WriteOptions? WriteOptionsCore { get; set; }
        protected override AuthContext AuthContextCore { get; } = new(null, []);
        protected override IDictionary<object, object> UserStateCore => _userState;

        protected override ContextPropagationToken CreatePropagationTokenCore(ContextPropagationOptions? options) => throw new NotSupportedException();

        protected override Task WriteResponseHeadersAsyncCore(Metadata responseHeaders) => Task.CompletedTask;
    }
}
