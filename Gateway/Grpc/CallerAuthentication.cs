using System.Security.Cryptography;
using System.Text;
using Engine.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace Engine.Gateway.Grpc;

/// <summary>Who is calling: the platform administrator, or (later) a tenant's API key.</summary>
internal sealed record Caller(bool IsPlatformAdmin);

/// <summary>Reads "authorization: Bearer &lt;key&gt;" and decides who the caller is.</summary>
internal sealed class CallerAuthentication(IOptions<EngineSettings> settings)
{
    private const string BearerPrefix = "Bearer ";

    /// <summary>The caller, or Unauthenticated when the key is missing or unknown.</summary>
    public Caller Authenticate(ServerCallContext context)
    {
        var header = context.RequestHeaders.GetValue("authorization");
        if (header is null || !header.StartsWith(BearerPrefix, StringComparison.OrdinalIgnoreCase))
        {
            RpcErrors.Unauthenticated("missing 'authorization: Bearer <api key>' metadata");
        }

        var presented = header[BearerPrefix.Length..].Trim();
        if (settings.Value.AdminApiKey is { Length: > 0 } adminKey && KeysMatch(presented, adminKey))
        {
            return new Caller(IsPlatformAdmin: true);
        }

        RpcErrors.Unauthenticated("the API key is not valid");
        return default!;
    }

    /// <summary>The platform administrator, or PermissionDenied.</summary>
    public Caller RequirePlatformAdmin(ServerCallContext context)
    {
        var caller = Authenticate(context);
        if (!caller.IsPlatformAdmin)
        {
            RpcErrors.PermissionDenied("only the platform admin key may do this");
        }

        return caller;
    }

    // Compares hashes so the comparison time reveals neither the key's content nor its length.
    private static bool KeysMatch(string presented, string expected) =>
        CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(presented)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
