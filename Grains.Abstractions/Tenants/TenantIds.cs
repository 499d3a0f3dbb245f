using System.Text.RegularExpressions;

namespace Engine.Grains.Abstractions.Tenants;

/// <summary>The shape of a tenant id: 2-64 of lower-case letters, digits and '-', not starting with '-'.</summary>
public static partial class TenantIds
{
    /// <summary>True when <paramref name="tenantId"/> is a well-formed tenant id.</summary>
    public static bool IsValid(string? tenantId) => tenantId is not null && Pattern().IsMatch(tenantId);

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex Pattern();
}
