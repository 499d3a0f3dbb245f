using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Delivery;
using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Abstractions.Tenants;

namespace Engine.Grains.Policies;

/// <summary>What the last check before a provider hand-off decided for one message.</summary>
public readonly record struct HandOffDecision(HandOffVerdict Verdict, string? Reason, DateTimeOffset? NotBefore)
{
    internal static HandOffDecision Send { get; } = new(HandOffVerdict.Send, null, null);
}

/// <summary>Send now, suppress for good, or wait.</summary>
public enum HandOffVerdict
{
    /// <summary>Hand it to the provider now.</summary>
    Send = 0,

    /// <summary>Never send it; the reason is recorded on the message.</summary>
    Suppress = 1,

    /// <summary>Not now (quiet hours began while it waited); it stays queued until NotBefore.</summary>
    Defer = 2,
}

/// <summary>
/// Re-decides a queued message against the lead as it is when the message is about to leave:
/// consent may have been revoked, a reply window or WhatsApp's 24-hour window may have closed, and
/// quiet hours may have begun while it waited in line.
/// </summary>
public static class HandOffPolicy
{
    /// <summary>Suppression reasons, as recorded in the message's error code.</summary>
    public const string OptedOut = "opted_out";

    /// <inheritdoc cref="OptedOut"/>
    public const string NoConsent = "no_consent";

    /// <inheritdoc cref="OptedOut"/>
    public const string WindowClosed = "window_closed";

    /// <summary>Decides one message of <paramref name="channel"/>.</summary>
    public static HandOffDecision Decide(
        QueuedMessage message, Channel channel, LeadSnapshot lead, DateTimeOffset? lastInboundAt, TenantSettings tenant, DateTimeOffset now)
    {
        var consent = ConsentPolicy.Evaluate(lead.ConsentOn(channel), message.Purpose, lastInboundAt, now, tenant.Consent.ReplyWindow);
        if (!consent.Allowed)
        {
            return new(HandOffVerdict.Suppress, consent.Rejection == RejectionCode.OptedOut ? OptedOut : NoConsent, null);
        }

        if (channel == Channel.WhatsApp && message.Template is null && !WhatsAppWindowPolicy.IsOpen(lastInboundAt, now))
        {
            return new(HandOffVerdict.Suppress, WindowClosed, null);
        }

        if (message.Purpose.IsBusinessInitiated())
        {
            var zones = QuietHoursPolicy.ResolveZones(lead.TimeZones.Count > 0 ? lead.TimeZones : [tenant.DefaultTimeZone]);
            var allowedAt = new QuietHoursPolicy(tenant.QuietHours).NextAllowedInstant(now, zones);
            if (allowedAt > now)
            {
                return new(HandOffVerdict.Defer, null, allowedAt);
            }
        }

        return HandOffDecision.Send;
    }

    /// <summary>Whether deciding <paramref name="message"/> needs the lead's last inbound time.</summary>
    public static bool NeedsLastInbound(QueuedMessage message, Channel channel, LeadSnapshot lead) =>
        lead.ConsentOn(channel) != Abstractions.Consent.ConsentStatus.OptedIn || (channel == Channel.WhatsApp && message.Template is null);
}
