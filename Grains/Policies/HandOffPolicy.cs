using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Conversations;
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

    /// <summary>Why a waiting message was canceled: the person was erased.</summary>
    public const string Erased = "erased";

    /// <summary>
    /// Decides one message of <paramref name="purpose"/> on <paramref name="channel"/> (free-form text unless
    /// <paramref name="isTemplate"/>): at hand-off, and when a scheduled message falls due.
    /// </summary>
    public static HandOffDecision Decide(
        OutboundPurpose purpose, bool isTemplate, Channel channel, LeadSnapshot lead, DateTimeOffset? lastInboundAt, TenantSettings tenant, DateTimeOffset now)
    {
        var consent = ConsentPolicy.Evaluate(lead.ConsentOn(channel), purpose, lastInboundAt, now, tenant.Consent.ReplyWindow);
        if (!consent.Allowed)
        {
            return new(HandOffVerdict.Suppress, consent.Rejection == RejectionCode.OptedOut ? OptedOut : NoConsent, null);
        }

        if (channel == Channel.WhatsApp && !isTemplate && !WhatsAppWindowPolicy.IsOpen(lastInboundAt, now))
        {
            return new(HandOffVerdict.Suppress, WindowClosed, null);
        }

        var allowedAt = AllowedFrom(purpose, now, lead, tenant);
        return allowedAt > now ? new(HandOffVerdict.Defer, null, allowedAt) : HandOffDecision.Send;
    }

    /// <summary>
    /// The earliest instant at or after <paramref name="earliest"/> a message of <paramref name="purpose"/>
    /// may leave: business-initiated messages wait for quiet hours to end in every zone of the lead;
    /// replies to the lead's own keyword go at once, whatever the hour.
    /// </summary>
    public static DateTimeOffset AllowedFrom(OutboundPurpose purpose, DateTimeOffset earliest, LeadSnapshot lead, TenantSettings tenant)
    {
        if (!purpose.IsBusinessInitiated())
        {
            return earliest;
        }

        var zones = QuietHoursPolicy.ZonesOf(lead, tenant);
        return new QuietHoursPolicy(tenant.QuietHours).NextAllowedInstant(earliest, zones);
    }

    /// <summary>Whether deciding a message needs the lead's last inbound time.</summary>
    public static bool NeedsLastInbound(bool isTemplate, Channel channel, LeadSnapshot lead) =>
        lead.ConsentOn(channel) != Abstractions.Consent.ConsentStatus.OptedIn || (channel == Channel.WhatsApp && !isTemplate);
}
