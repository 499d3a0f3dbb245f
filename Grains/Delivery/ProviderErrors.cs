using System.Net;

namespace Engine.Grains.Delivery;

/// <summary>Which provider refusals are worth retrying, which leave the outcome unknown, and which mean the person unsubscribed.</summary>
public static class ProviderErrors
{
    /// <summary>Codes of refusals that go away with time: rate limits and throughput.</summary>
    private static readonly HashSet<string> TransientCodes = ["20429", "130429", "131056", "131000", "30001"];

    /// <summary>Codes that say the recipient opted out: a hard suppression.</summary>
    private static readonly HashSet<string> OptOutCodes = ["21610", "131050"];

    /// <summary>
    /// How a send the provider answered with an error ended. A 5xx is an unknown outcome, like a
    /// timeout: the provider may have stored the message before failing, so it is reconciled rather
    /// than sent again. 429 and the throughput codes certainly refused the message, for now.
    /// </summary>
    public static HandOff OutcomeOf(HttpStatusCode status, string? code) =>
        (int)status >= 500 ? HandOff.Unknown
        : IsRefusedForNow(status, code) ? HandOff.Transient
        : HandOff.Permanent;

    /// <summary>A refusal that certainly left nothing at the provider and goes away with time.</summary>
    public static bool IsRefusedForNow(HttpStatusCode status, string? code) =>
        (status == HttpStatusCode.TooManyRequests || (code is not null && TransientCodes.Contains(code))) && (int)status < 500;

    public static bool IsOptOut(string? code) => code is not null && OptOutCodes.Contains(code);

    /// <summary>WhatsApp's "the user stopped marketing messages": an opt-out of one channel's marketing.</summary>
    public static bool IsMarketingOptOut(string? code) => code == "131050";
}
