using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Abstractions.Conversations;

namespace Engine.Grains.Policies;

/// <summary>Whether consent allows a send, and if not, why.</summary>
public readonly record struct ConsentDecision(bool Allowed, RejectionCode Rejection, string? Reason)
{
    internal static ConsentDecision Allow { get; } = new(true, RejectionCode.None, null);
}

/// <summary>
/// The promise never to message someone who opted out. The only message an opted-out lead receives
/// is the single confirmation of that opt-out. Without recorded consent a business may only answer
/// a lead who wrote in first.
/// </summary>
public static class ConsentPolicy
{
    /// <summary>Decides a send of <paramref name="purpose"/> to a lead with <paramref name="status"/>.</summary>
    public static ConsentDecision Evaluate(ConsentStatus status, OutboundPurpose purpose, bool leadWroteIn)
    {
        if (purpose == OutboundPurpose.OptOutConfirmation)
        {
            return status == ConsentStatus.OptedOut
                ? ConsentDecision.Allow
                : new(false, RejectionCode.InvalidRequest, "an opt-out confirmation goes only to a lead who just opted out");
        }

        return status switch
        {
            ConsentStatus.OptedOut => new(false, RejectionCode.OptedOut, "the lead opted out on this channel"),
            ConsentStatus.OptedIn => ConsentDecision.Allow,
            _ when leadWroteIn || purpose != OutboundPurpose.Standard => ConsentDecision.Allow,
            _ => new(false, RejectionCode.NoConsent, "no consent is recorded for this lead and the lead has not written in"),
        };
    }
}
