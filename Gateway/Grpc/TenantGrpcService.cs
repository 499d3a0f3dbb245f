using Engine.Grains.Tenants;
using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Storage.Audit;

namespace Engine.Gateway.Grpc;

/// <summary>engine.v1.TenantService: an adapter from gRPC to the tenant grain; its changes go to the audit log.</summary>
internal sealed class TenantGrpcService(
    IClusterClient cluster, TenantCache tenants, AuditTrail audit, IAuditLog auditLog, TimeProvider time)
    : V1.TenantService.TenantServiceBase
{
    [Access(AccessAttribute.PlatformAdmin)]
    public override async Task<V1.Tenant> CreateTenant(V1.CreateTenantRequest request, ServerCallContext context)
    {
        var settings = TenantMapping.FromProto(request.Settings, current: null);
        var creation = await cluster.GetGrain<ITenantGrain>(request.TenantId).CreateAsync(settings);
        tenants.Invalidate(request.TenantId); // webhooks through this gateway may have cached "no such tenant"
        if (!creation.Created)
        {
            RpcErrors.AlreadyExists($"tenant '{request.TenantId}'");
        }

        await audit.RecordAsync(context, request.TenantId, AuditActions.TenantCreated, request.TenantId);
        return TenantMapping.ToProto(creation.Tenant);
    }

    [Access(ApiKeyRoles.Admin)]
    public override async Task<V1.Tenant> GetTenant(V1.GetTenantRequest request, ServerCallContext context)
    {
        return TenantMapping.ToProto(await GetExistingAsync(request.TenantId));
    }

    [Access(ApiKeyRoles.Admin)]
    public override async Task<V1.Tenant> UpdateTenantSettings(V1.UpdateTenantSettingsRequest request, ServerCallContext context)
    {
        var current = await GetExistingAsync(request.TenantId);
        var settings = TenantMapping.FromProto(request.Settings, current.Settings);
        var updated = await cluster.GetGrain<ITenantGrain>(request.TenantId).UpdateSettingsAsync(settings);
        tenants.Invalidate(request.TenantId);
        await audit.RecordAsync(context, request.TenantId, AuditActions.TenantSettingsChanged, request.TenantId, AuditTrail.ChangedSettings(current.Settings, settings));
        return TenantMapping.ToProto(updated);
    }

    [Access(ApiKeyRoles.Admin)]
    public override async Task<V1.CreateApiKeyResponse> CreateApiKey(V1.CreateApiKeyRequest request, ServerCallContext context)
    {
        await GetExistingAsync(request.TenantId);
        if (string.IsNullOrWhiteSpace(request.Name))
        {
            RpcErrors.InvalidArgument("name", "is required");
        }

        var roles = request.Roles.Aggregate(ApiKeyRoles.None, (all, role) => all | role switch
        {
            V1.ApiKeyRole.Admin => ApiKeyRoles.Admin,
            V1.ApiKeyRole.Messaging => ApiKeyRoles.Messaging,
            V1.ApiKeyRole.EventsRead => ApiKeyRoles.EventsRead,
            _ => RpcErrors.InvalidArgument<ApiKeyRoles>("roles", $"{role} is not a role"),
        });
        if (roles == ApiKeyRoles.None)
        {
            RpcErrors.InvalidArgument("roles", "at least one role is required");
        }

        var expiresAt = request.ExpiresAt?.ToDateTimeOffset();
        if (expiresAt <= time.GetUtcNow())
        {
            RpcErrors.InvalidArgument("expires_at", "must be in the future");
        }

        var (keyId, secret, hash) = ApiKeySecrets.Create(request.TenantId);
        var key = await cluster.GetGrain<ITenantGrain>(request.TenantId).CreateApiKeyAsync(keyId, request.Name, roles, hash, expiresAt);
        await audit.RecordAsync(context, request.TenantId, AuditActions.ApiKeyCreated, keyId,
            $"name: {request.Name}; roles: {roles}" + (expiresAt is { } expiry ? $"; expires at {expiry:yyyy-MM-dd'T'HH:mm:ss'Z'}" : ""));
        return new V1.CreateApiKeyResponse { Key = TenantMapping.ToProto(key), Secret = secret };
    }

    [Access(ApiKeyRoles.Admin)]
    public override async Task<V1.ApiKey> RevokeApiKey(V1.RevokeApiKeyRequest request, ServerCallContext context)
    {
        var key = await cluster.GetGrain<ITenantGrain>(request.TenantId).RevokeApiKeyAsync(request.KeyId);
        if (key is null)
        {
            RpcErrors.NotFound($"API key '{request.KeyId}' of tenant '{request.TenantId}'");
        }

        await audit.RecordAsync(context, request.TenantId, AuditActions.ApiKeyRevoked, request.KeyId);
        return TenantMapping.ToProto(key);
    }

    [Access(ApiKeyRoles.Admin)]
    public override async Task<V1.ListAuditLogResponse> ListAuditLog(V1.ListAuditLogRequest request, ServerCallContext context)
    {
        var size = Paging.PageSize(request.PageSize);
        var after = request.PageToken.Length == 0 ? 0 : Paging.Sequence(request.PageToken);
        var page = await auditLog.ReadAsync(request.TenantId, after, size + 1, context.CancellationToken);
        var response = new V1.ListAuditLogResponse { Entries = { page.Take(size).Select(TenantMapping.ToProto) } };
        if (page.Count > size)
        {
            response.NextPageToken = Paging.SequenceToken(page[size - 1].Sequence);
        }

        return response;
    }

    private Task<TenantSnapshot> GetExistingAsync(string tenantId) => RequestValidation.RequireTenantAsync(tenants, tenantId, fresh: true);
}
