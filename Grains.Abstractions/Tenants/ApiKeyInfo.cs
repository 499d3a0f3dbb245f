namespace Engine.Grains.Abstractions.Tenants;

/// <summary>What an API key may do.</summary>
[Flags]
public enum ApiKeyRoles
{
    /// <summary>Nothing.</summary>
    None = 0,

    /// <summary>Manage the tenant's settings and keys.</summary>
    Admin = 1,

    /// <summary>Manage leads and consent, send messages, read conversations.</summary>
    Messaging = 2,

    /// <summary>Subscribe to the tenant's events.</summary>
    EventsRead = 4,
}

/// <summary>
/// An API key as stored: never its secret, only the secret's SHA-256. A key past <see cref="ExpiresAt"/>
/// is refused; <see cref="LastUsedAt"/> is kept to within about a minute.
/// </summary>
[GenerateSerializer, Immutable, Alias("engine.api-key.v1")]
public sealed record class ApiKeyInfo(
    [property: Id(0)] string KeyId,
    [property: Id(1)] string Name,
    [property: Id(2)] ApiKeyRoles Roles,
    [property: Id(3)] string SecretSha256,
    [property: Id(4)] DateTimeOffset CreatedAt,
    [property: Id(5)] DateTimeOffset? RevokedAt,
    [property: Id(6)] DateTimeOffset? ExpiresAt = null,
    [property: Id(7)] DateTimeOffset? LastUsedAt = null)
{
    /// <summary>True when the key has an expiry and <paramref name="now"/> is at or past it.</summary>
    public bool IsExpiredAt(DateTimeOffset now) => ExpiresAt <= now;
}
