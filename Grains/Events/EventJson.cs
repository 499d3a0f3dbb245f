using System.Text.Json;
using System.Text.Json.Serialization;
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
        DeliveryStatus.Suppressed => Abstractions.Events.EventTypes.MessageSuppressed,
        _ => null,
    };

    /// <summary>An event's data without the message body (retention; PostgreSQL does the same with <c>data - 'body'</c>).</summary>
    public static string WithoutBody(string dataJson)
    {
        var data = System.Text.Json.Nodes.JsonNode.Parse(dataJson)!.AsObject();
        data.Remove("body");
        return data.ToJsonString(Options);
    }

    /// <summary>Whether an event's data carries a message body.</summary>
    public static bool HasBody(string dataJson) => System.Text.Json.Nodes.JsonNode.Parse(dataJson) is System.Text.Json.Nodes.JsonObject data && data.ContainsKey("body");

    /// <summary>The event of a message as it is first stored, with its body (both backends use this).</summary>
    public static EventDraft? OfMessage(MessageRecord m) => Draft(m, m.OccurredAt, MessageData.Of(m, m.Body, at: null));

    /// <summary>
    /// The event of a status change at <paramref name="at"/>, without the body (the in-memory stores;
    /// <c>MessageEventSql.StatusEventCte</c> builds the same fields in PostgreSQL).
    /// </summary>
    public static EventDraft? OfStatusChange(MessageRecord m, DateTimeOffset at) => Draft(m, at, MessageData.Of(m, body: null, at));

    private static EventDraft? Draft(MessageRecord m, DateTimeOffset at, MessageData data) => TypeOfStatus(m.Status) is { } type
        ? new EventDraft($"{type}/{m.MessageId}", m.TenantId, type, $"{m.LeadPhone}/{m.Channel.ToWireName()}", m.LeadPhone, at, Serialize(data))
        : null;

    // One shape for every message event; body only when the message is first stored, at only on status changes.
    private sealed record MessageData(
        Guid MessageId, string Phone, string Channel, string Direction, string Provider, string? ProviderMessageId, string MessageType,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Body,
        string Status, string? ErrorCode,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? At)
    {
        public static MessageData Of(MessageRecord m, string? body, DateTimeOffset? at) => new(
            m.MessageId, m.LeadPhone, m.Channel.ToWireName(), m.Direction.ToWireName(), m.Provider.ToWireName(), m.ProviderMessageId,
            m.MessageType, body, m.Status.ToWireName(), m.ErrorCode, at);
    }
}
