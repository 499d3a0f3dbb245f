using Engine.Grains.Options;
using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Engine.Grains.Abstractions.Tenants;
using Microsoft.Extensions.Options;

namespace Engine.Gateway.Grpc;

/// <summary>Who is calling: the platform administrator (no tenant), or one tenant's API key.</summary>
internal sealed record Caller(string? TenantId, string KeyId, ApiKeyRoles Roles, DateTimeOffset? ExpiresAt = null)
{
    /// <summary>The key id of the platform administrator, as the audit log names it.</summary>
    public const string PlatformAdminKeyId = "platform-admin";

    public bool IsPlatformAdmin => TenantId is null;
}

/// <summary>
/// Reads "authorization: Bearer &lt;key&gt;", decides who the caller is, what it may touch, and how
/// fast it may call; <see cref="AccessInterceptor"/> asks it on every call. Unknown keys are Unauthenticated; another tenant's data or a missing role is
/// PermissionDenied; too many calls is ResourceExhausted with RetryInfo. The caller is kept
/// on the call (<see cref="CallerOf"/>) for the audit log, and its key's use reported to
/// <see cref="ApiKeyUsage"/>.
/// </summary>
internal sealed class CallerAuthentication : IDisposable
{
    private const string BearerPrefix = "Bearer ";
    private const string CallerKey = "engine.caller";
    private static readonly TimeSpan CacheLifetime = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan MinimumWait = TimeSpan.FromMilliseconds(50);

    private readonly IOptions<EngineSettings> _settings;
    private readonly IClusterClient _cluster;
    private readonly TimeProvider _time;
    private readonly ApiKeyUsage _usage;
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly ConcurrentDictionary<string, (Caller Caller, DateTimeOffset CheckedAt)> _verified = new(StringComparer.Ordinal);

    public CallerAuthentication(IOptions<EngineSettings> settings, IClusterClient cluster, TimeProvider time, ApiKeyUsage usage)
    {
        (_settings, _cluster, _time, _usage) = (settings, cluster, time, usage);
        var rate = settings.Value.ApiKeyCallsPerSecond;
        _limiter = PartitionedRateLimiter.Create<string, string>(keyId => RateLimitPartition.GetTokenBucketLimiter(keyId, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = rate * 2,
            TokensPerPeriod = rate,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>
    /// A caller allowed <paramref name="role"/> (or <see cref="AccessAttribute.PlatformAdmin"/>) on the
    /// tenant the request names: the platform admin, or a key of that tenant with the role. A request
    /// naming no tenant (an import stream without rows) touches no tenant's data: only the role counts.
    /// </summary>
    public async Task<Caller> AuthorizeAsync(ServerCallContext context, ApiKeyRoles role, string? tenantId)
    {
        var caller = await AuthenticateAsync(context);
        if (caller.IsPlatformAdmin)
        {
            return caller;
        }

        if (role == AccessAttribute.PlatformAdmin)
        {
            RpcErrors.PermissionDenied("only the platform admin key may do this");
        }

        if (tenantId is not null && caller.TenantId != tenantId)
        {
            RpcErrors.PermissionDenied($"this API key belongs to another tenant, not '{tenantId}'");
        }

        if (!caller.Roles.HasFlag(role))
        {
            RpcErrors.PermissionDenied($"this API key lacks the {role} role");
        }

        return caller;
    }

    /// <summary>
    /// For long-lived streams: Unauthenticated once the call's key has been revoked (seen within the
    /// few seconds keys are cached). Costs no rate-limit token.
    /// </summary>
    public async Task RequireKeyStillValidAsync(ServerCallContext context)
    {
        try
        {
            await IdentifyAsync(PresentedKey(context));
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.Unauthenticated)
        {
            RpcErrors.Unauthenticated("the API key was revoked while the stream was open; the stream has ended");
        }
    }

    /// <summary>
    /// Takes one of the caller's calls for a unit of work inside a stream, waiting for the rate limit
    /// to allow it rather than failing: a stream slows to the key's rate instead of bypassing it.
    /// </summary>
    public async Task WaitForCallAsync(Caller caller, CancellationToken cancellationToken)
    {
        while (true)
        {
            using var lease = _limiter.AttemptAcquire(caller.KeyId);
            if (lease.IsAcquired)
            {
                return;
            }

            var wait = RetryAfter(lease);
            await Task.Delay(wait > MinimumWait ? wait : MinimumWait, _time, cancellationToken);
        }
    }

    /// <summary>How many calls the key has been granted by this gateway (its rate limiter's count).</summary>
    internal long CallsGranted(string keyId) => _limiter.GetStatistics(keyId)?.TotalSuccessfulLeases ?? 0;

    private async Task<Caller> AuthenticateAsync(ServerCallContext context)
    {
        var caller = await IdentifyAsync(PresentedKey(context));
        var now = _time.GetUtcNow();
        if (caller.ExpiresAt is { } expiresAt && expiresAt <= now)
        {
            RpcErrors.Unauthenticated($"API key {caller.KeyId} expired at {expiresAt:yyyy-MM-dd'T'HH:mm:ss'Z'}; create a new one");
        }

        using var lease = _limiter.AttemptAcquire(caller.KeyId);
        if (!lease.IsAcquired)
        {
            throw RpcErrors.RetryLater(StatusCode.ResourceExhausted, $"API key {caller.KeyId} exceeded {_settings.Value.ApiKeyCallsPerSecond} calls per second",
                ErrorReasons.RateLimited, RetryAfter(lease));
        }

        if (caller.TenantId is { } tenantId)
        {
            _usage.Used(tenantId, caller.KeyId, now);
        }

        context.UserState[CallerKey] = caller;
        return caller;
    }

    private static string PresentedKey(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue("authorization");
        if (header is null || !header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            RpcErrors.Unauthenticated("missing 'authorization: Bearer <api key>' metadata");
        }

        return header[BearerPrefix.Length..].Trim();
    }

    private static TimeSpan RetryAfter(RateLimitLease lease) =>
        lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);

    /// <summary>The caller this call was authenticated as (<see cref="AccessInterceptor"/> authenticates every call first).</summary>
    public static Caller CallerOf(ServerCallContext context) =>
        context.UserState.TryGetValue(CallerKey, out var caller) ? (Caller)caller : throw new InvalidOperationException("The call was not authenticated.");

    private async Task<Caller> IdentifyAsync(string presented)
    {
        if (_settings.Value.IsAdminKey(presented))
        {
            return new Caller(null, Caller.PlatformAdminKeyId, ApiKeyRoles.Admin | ApiKeyRoles.Messaging | ApiKeyRoles.EventsRead);
        }

        if (!ApiKeySecrets.TryParse(presented, out var tenantId, out var keyId) || !TenantIds.IsValid(tenantId))
        {
            RpcErrors.Unauthenticated("the API key is not valid");
        }

        var hash = ApiKeySecrets.Sha256(presented);
        var now = _time.GetUtcNow();
        if (_verified.TryGetValue(hash, out var cached) && now - cached.CheckedAt < CacheLifetime)
        {
            return cached.Caller;
        }

        var key = await _cluster.GetGrain<ITenantGrain>(tenantId).AuthenticateAsync(keyId, hash);
        if (key is null)
        {
            _verified.TryRemove(hash, out _);
            RpcErrors.Unauthenticated("the API key is not valid or was revoked");
        }

        var caller = new Caller(tenantId, key.KeyId, key.Roles, key.ExpiresAt);
        _verified[hash] = (caller, now);
        return caller;
    }

    public void Dispose() => _limiter.Dispose();
}
