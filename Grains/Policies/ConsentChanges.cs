using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Consent;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Delivery;

namespace Engine.Grains.Policies;

/// <summary>The opt-outs the engine records on a person's behalf, with the channels each one covers.</summary>
public static class ConsentChanges
{
    /// <summary>A STOP keyword, plain-language revocation or provider opt-out keyword in an inbound message.</summary>
    public static ConsentChange KeywordOptOut(Guid inboundMessageId, Channel channel, string evidence, TenantSettings tenant, DateTimeOffset at) => new(
        $"inbound/{inboundMessageId}", Scope(channel, tenant), ConsentStatus.OptedOut, ConsentSource.Keyword, evidence, at);

    /// <summary>
    /// A provider's error saying the person unsubscribed (Twilio 21610, WhatsApp 131050). WhatsApp's
    /// marketing opt-out covers WhatsApp only unless the tenant says otherwise.
    /// </summary>
    public static ConsentChange ProviderOptOut(
        string cause, Provider provider, string errorCode, string messageReference, Channel channel, TenantSettings tenant, DateTimeOffset at) => new(
        $"{cause}/{errorCode}",
        ProviderErrors.IsMarketingOptOut(errorCode) && !tenant.Consent.MarketingOptOutCoversAllChannels ? channel : Scope(channel, tenant),
        ConsentStatus.OptedOut, ConsentSource.ProviderError,
        $"{provider.ToWireName()} error {errorCode} on message {messageReference}",
        at);

    private static Channel? Scope(Channel channel, TenantSettings tenant) =>
        tenant.KeywordReplies.OptOutScope == OptOutScope.AllChannels ? null : channel;
}
