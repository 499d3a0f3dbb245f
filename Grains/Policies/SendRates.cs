using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Tenants;

namespace Engine.Grains.Policies;

/// <summary>Default throughput of each kind of sender, and the pacing to use for a tenant's channel.</summary>
public static class SendRates
{
    /// <summary>WhatsApp's limit per (business, user) pair: about one message every six seconds.</summary>
    public static readonly TimeSpan WhatsAppPairInterval = TimeSpan.FromSeconds(6);

    /// <summary>Segments (SMS) or messages (WhatsApp) per second for this tenant's channel.</summary>
    public static double PerSecond(TenantSettings tenant, Channel channel) => channel switch
    {
        Channel.Sms => tenant.RateLimits.SmsSegmentsPerSecond ?? (tenant.Sms?.SenderKind switch
        {
            SenderKind.TollFree => 3,
            SenderKind.ShortCode => 100,
            _ => 1,
        }),
        _ => tenant.RateLimits.WhatsAppMessagesPerSecond ?? 80,
    };
}
