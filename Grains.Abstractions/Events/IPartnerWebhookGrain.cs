namespace Engine.Grains.Abstractions.Events;

/// <summary>A partner's webhook: where a tenant's events are posted, which types, and the signing secret.</summary>
[GenerateSerializer, Immutable, Alias("engine.webhook-subscription.v1")]
public sealed record class WebhookSubscription(
    [property: Id(0)] string SubscriptionId,
    [property: Id(1)] string Url,
    [property: Id(2)] IReadOnlyList<string> EventTypes,
    [property: Id(3)] string Secret,
    [property: Id(4)] DateTimeOffset CreatedAt);

/// <summary>Where a subscription's deliveries stand.</summary>
[GenerateSerializer, Immutable, Alias("engine.webhook-delivery-state.v1")]
public sealed record class WebhookDeliveryStatus(
    [property: Id(0)] long DeliveredUpTo,
    [property: Id(1)] int FailedAttempts,
    [property: Id(2)] DateTimeOffset? NextAttemptAt,
    [property: Id(3)] string? LastError);

/// <summary>
/// Delivers one subscription's events in cursor order, retrying a failing partner with exponential
/// backoff and parking an event in the dead-letter list once it has failed for the retry window.
/// Key: "{tenant}/{subscription id}".
/// </summary>
[Alias("engine.partner-webhook")]
public interface IPartnerWebhookGrain : IGrainWithStringKey
{
    /// <summary>Starts (or updates) delivery, from the tenant's current cursor on.</summary>
    [Alias("start")]
    Task StartAsync(WebhookSubscription subscription, long fromCursor);

    /// <summary>Stops delivery for good.</summary>
    [Alias("stop")]
    Task StopAsync();

    /// <summary>New events may be waiting.</summary>
    [Alias("poke"), OneWay]
    Task PokeAsync();

    /// <summary>Where deliveries stand.</summary>
    [Alias("status"), ReadOnly]
    Task<WebhookDeliveryStatus> GetStatusAsync();
}
