using Engine.Grains.Abstractions.Tenants;

namespace Engine.Gateway.Grpc;

/// <summary>
/// Who may call a gRPC service method, declared once on the method and enforced by
/// <see cref="AccessInterceptor"/>, which refuses every method without one. A tenant key needs
/// <see cref="Role"/> and must belong to the request's tenant_id; the platform admin key passes both.
/// </summary>
[AttributeUsage(AttributeTargets.Method, Inherited = false)]
internal sealed class AccessAttribute(ApiKeyRoles role) : Attribute
{
    /// <summary>Only the platform admin key (creating tenants): no tenant key has this.</summary>
    public const ApiKeyRoles PlatformAdmin = ApiKeyRoles.None;

    public ApiKeyRoles Role { get; } = role;
}
