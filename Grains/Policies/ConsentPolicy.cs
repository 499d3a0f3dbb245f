using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Abstractions.Conversations;

namespace Engine.Grains.Policies;

/// <summary>Whether consent allows a send, and if not, why.</summary>
public readonly record struct ConsentDecision(bool Allowed, RejectionCode Rejection, string? Reason)
{
    internal static ConsentDecision Allow { get; } = new(true, RejectionCode.None, null);
}

/// <summary>What a consent change does to the lead's current consent on one channel.</summary>
public readonly record struct ConsentTransition(ConsentOutcome Outcome, string? Reason)
{
    internal static ConsentTransition Apply { get; } = new(ConsentOutcome.Applied, null);
    internal static ConsentTransition NoNews { get; } = new(ConsentOutcome.Unchanged, null);
}

/// <summary>
/// The promise never to message someone who opted out or never opted in, and the precedence of
/// consent changes. README's "Consent rules" section states the same rules in words.
/// </summary>
public static class ConsentPolicy
{
    /// <summary>
    /// Decides a send of <paramref name="purpose"/> to a lead with <paramref name="status"/> at
    /// <paramref name="now"/>. An opted-out lead receives only the confirmation of its opt-out. A lead
    /// without consent receives only replies within <paramref name="replyWindow"/> of its last message
    /// (and a double opt-in request); business-initiated and automated messages need an opt-in.
    /// </summary>
    public static ConsentDecision Evaluate(
        ConsentStatus status, OutboundPurpose purpose, DateTimeOffset? lastInboundAt, DateTimeOffset now, TimeSpan replyWindow)
    {
        if (purpose == OutboundPurpose.OptOutConfirmation)
        {
            return status == ConsentStatus.OptedOut
                ? ConsentDecision.Allow
                : new(false, RejectionCode.InvalidRequest, "an opt-out confirmation goes only to a lead who just opted out");
        }

        switch (status)
        {
            case ConsentStatus.OptedOut:
                return new(false, RejectionCode.OptedOut, "the lead opted out on this channel");
            case ConsentStatus.OptedIn:
                return ConsentDecision.Allow;
        }

        if (purpose == OutboundPurpose.OptInRequest)
        {
            return ConsentDecision.Allow;
        }

        if (purpose == OutboundPurpose.Automation)
        {
            return new(false, RejectionCode.NoConsent, "automated messages need the lead's recorded opt-in on this channel");
        }

        return lastInboundAt is { } last && now - last <= replyWindow
            ? ConsentDecision.Allow
            : new(false, RejectionCode.NoConsent,
                $"no consent is recorded for this lead on this channel; without it only replies within {Describe(replyWindow)} of the lead's last message are allowed");
    }

    /// <summary>
    /// Decides what <paramref name="change"/> does to <paramref name="current"/> (null: nothing recorded).
    /// A revocation always applies. A revocation can be reversed only by the person's own keyword, or by
    /// a form or user request with evidence made after it. A business change older than the current
    /// state is superseded.
    /// </summary>
    public static ConsentTransition Decide(ConsentRecord? current, ConsentChange change)
    {
        if (current is null)
        {
            return ConsentTransition.Apply;
        }

        if (change.Status == ConsentStatus.OptedOut)
        {
            if (current.Status == ConsentStatus.OptedOut)
            {
                return ConsentTransition.NoNews; // a repeated opt-out adds nothing to the audit trail
            }

            // The person's own revocation wins whatever its timestamp says; a business record of one can be stale.
            return IsThePersonsOwn(change.Source) || change.OccurredAt >= current.ChangedAt
                ? ConsentTransition.Apply
                : Superseded(current);
        }

        if (current.Status == ConsentStatus.OptedOut)
        {
            return ReversesRevocation(current, change)
                ? ConsentTransition.Apply
                : new(ConsentOutcome.Refused,
                    $"the person revoked consent on {current.Channel.ToWireName()} at {current.ChangedAt:O} ({current.Source.ToWireName()}); " +
                    "only the person (START) or a later form or user request with evidence can opt them back in");
        }

        if (change.Source != ConsentSource.Keyword && change.OccurredAt < current.ChangedAt)
        {
            return Superseded(current);
        }

        // Fresh evidence of an opt-in (a new form) is worth recording; the same status again is not.
        var isNews = current.Status != change.Status
            || (change.Status == ConsentStatus.OptedIn && (current.Source, current.Evidence) != (change.Source, change.Evidence));
        return isNews ? ConsentTransition.Apply : ConsentTransition.NoNews;
    }

    /// <summary>Whether a lead's opt-in keyword confirms a pending double opt-in at <paramref name="now"/>.</summary>
    public static bool ConfirmsPendingOptIn(ConsentRecord? current, DateTimeOffset now, TimeSpan confirmationWindow) =>
        current is { Status: ConsentStatus.Pending } pending && now - pending.ChangedAt <= confirmationWindow;

    private static bool IsThePersonsOwn(ConsentSource source) => source is ConsentSource.Keyword or ConsentSource.ProviderError;

    private static bool ReversesRevocation(ConsentRecord revocation, ConsentChange change) =>
        change.Status == ConsentStatus.OptedIn
        && (change.Source == ConsentSource.Keyword
            || (change.Source is ConsentSource.Form or ConsentSource.UserRequest
                && !string.IsNullOrWhiteSpace(change.Evidence)
                && change.OccurredAt > revocation.ChangedAt));

    private static ConsentTransition Superseded(ConsentRecord current) => new(ConsentOutcome.Superseded,
        $"the lead's consent on {current.Channel.ToWireName()} was last changed at {current.ChangedAt:O}, after this change occurred");

    private static string Describe(TimeSpan window) =>
        window.TotalHours >= 1 && window.TotalHours == Math.Floor(window.TotalHours) ? $"{window.TotalHours:0} h" : $"{window.TotalMinutes:0.#} min";
}
