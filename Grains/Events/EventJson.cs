using System.Text.Json;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Messages;

namespace Engine.Grains.Events;

/// <summary>The data of the engine's events, as JSON with camelCase names.</summary>
public static class EventJson
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    public static string Serialize(object data) => JsonSerializer.Serialize(data, Options);

    /// <summary>The event type a message status moves to, or null for statuses without one.</summary>
    public static string? TypeOfStatus(DeliveryStatus status) => status switch
    {
        DeliveryStatus.Received => Abstractions.Events.EventTypes.MessageReceived,
        DeliveryStatus.Queued or DeliveryStatus.Scheduled => Abstractions.Events.EventTypes.MessageQueued,
        DeliveryStatus.Sent => Abstractions.Events.EventTypes.MessageSent,
        DeliveryStatus.Delivered => Abstractions.Events.EventTypes.MessageDelivered,
        DeliveryStatus.Read => Abstractions.Events.EventTypes.MessageRead,
        DeliveryStatus.Failed or DeliveryStatus.Undelivered => Abstractions.Events.EventTypes.MessageFailed,
        DeliveryStatus.Canceled => Abstractions.Events.EventTypes.MessageCanceled,
        _ => null,
    };

    /// <summary>The event of a message record (for the in-memory stores; PostgreSQL builds the same in SQL).</summary>
    public static EventDraft? OfMessage(MessageRecord m) => TypeOfStatus(m.Status) is { } type
        ? new EventDraft($"{type}/{m.MessageId}", m.TenantId, type, $"{m.LeadPhone}/{m.Channel.ToWireName()}", m.LeadPhone, m.OccurredAt, Serialize(new
        {
            messageId = m.MessageId,
            phone = m.LeadPhone,
            channel = m.Channel.ToWireName(),
            direction = m.Direction.ToWireName(),
            provider = m.Provider.ToWireName(),
            providerMessageId = m.ProviderMessageId,
            messageType = m.MessageType,
            body = m.Body,
            status = m.Status.ToWireName(),
            errorCode = m.ErrorCode,
        }))
        : null;
}
