using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;

namespace Engine.Grains.Storage.LeadDirectory;

/// <summary>Which leads a listing shows; null members do not filter. <see cref="Consent"/> applies to <see cref="ConsentChannel"/>.</summary>
public sealed record LeadFilter(string? Tag = null, string? Stage = null, Channel? ConsentChannel = null, ConsentStatus? Consent = null)
{
    /// <summary>The consent a listing must have on <paramref name="channel"/>, if the filter asks for one.</summary>
    public ConsentStatus? ConsentOn(Channel channel) => ConsentChannel == channel ? Consent : null;

    /// <summary>Whether <paramref name="listing"/> passes: the one definition, which the PostgreSQL query mirrors.</summary>
    public bool Matches(LeadListing listing) =>
        (Tag is null || listing.Tags.Contains(Tag, StringComparer.Ordinal)) &&
        (Stage is null || listing.Stage == Stage) &&
        (ConsentOn(Channel.Sms) is not { } sms || listing.Sms == sms) &&
        (ConsentOn(Channel.WhatsApp) is not { } whatsApp || listing.WhatsApp == whatsApp);
}
