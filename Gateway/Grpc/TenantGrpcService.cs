using Engine.Grains.Abstractions.Tenants;
using V1 = Engine.Gateway.Grpc.V1;

namespace Engine.Gateway.Grpc;

/// <summary>engine.v1.TenantService: an adapter from gRPC to the tenant grain.</summary>
internal sealed class TenantGrpcService(IClusterClient cluster, CallerAuthentication authentication) : V1.TenantService.TenantServiceBase
{
    public override async Task<V1.Tenant> CreateTenant(V1.CreateTenantRequest request, ServerCallContext context)
    {
        authentication.RequirePlatformAdmin(context);
        RequireTenantId(request.TenantId);
        var settings = TenantMapping.FromProto(request.Settings, current: null);
        var creation = await cluster.GetGrain<ITenantGrain>(request.TenantId).CreateAsync(settings);
        if (!creation.Created)
        {
            RpcErrors.AlreadyExists($"tenant '{request.TenantId}'");
        }

        return TenantMapping.ToProto(creation.Tenant);
    }

    public override async Task<V1.Tenant> GetTenant(V1.GetTenantRequest request, ServerCallContext context)
    {
        authentication.RequirePlatformAdmin(context);
        return TenantMapping.ToProto(await GetExistingAsync(request.TenantId));
    }

    public override async Task<V1.Tenant> UpdateTenantSettings(V1.UpdateTenantSettingsRequest request, ServerCallContext context)
    {
        authentication.RequirePlatformAdmin(context);
        var current = await GetExistingAsync(request.TenantId);
        var settings = TenantMapping.FromProto(request.Settings, current.Settings);
        return TenantMapping.ToProto(await cluster.GetGrain<ITenantGrain>(request.TenantId).UpdateSettingsAsync(settings));
    }

    private async Task<TenantSnapshot> GetExistingAsync(string tenantId)
    {
        RequireTenantId(tenantId);
        var tenant = await cluster.GetGrain<ITenantGrain>(tenantId).GetAsync();
        if (!tenant.Exists)
        {
            RpcErrors.NotFound($"tenant '{tenantId}'");
        }

        return tenant;
    }

    private static void RequireTenantId(string tenantId)
    {
        if (!TenantIds.IsValid(tenantId))
        {
            RpcErrors.InvalidArgument("tenant_id", "must be 2-64 lower-case letters, digits or '-', starting with a letter or digit");
        }
    }
}
