using System.Net;

namespace Engine.Grains.Delivery;

/// <summary>Which provider error codes are worth retrying, and which mean the person unsubscribed.</summary>
public static class ProviderErrors
{
    /// <summary>Codes of refusals that go away with time: rate limits and throughput.</summary>
    private static readonly HashSet<string> TransientCodes = ["20429", "130429", "131056", "131000", "30001"];

    /// <summary>Codes that say the recipient opted out: a hard suppression.</summary>
    private static readonly HashSet<string> OptOutCodes = ["21610", "131050"];

    public static bool IsTransient(HttpStatusCode status, string? code) =>
        status is HttpStatusCode.TooManyRequests or HttpStatusCode.InternalServerError or HttpStatusCode.BadGateway
            or HttpStatusCode.ServiceUnavailable or HttpStatusCode.GatewayTimeout
        || (code is not null && TransientCodes.Contains(code));

    public static bool IsOptOut(string? code) => code is not null && OptOutCodes.Contains(code);

    /// <summary>WhatsApp's "the user stopped marketing messages": an opt-out of one channel's marketing.</summary>
    public static bool IsMarketingOptOut(string? code) => code == "131050";
}
