using System.Text.Json;
using System.Text.Json.Serialization;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Storage.Events;

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

    /// <summary>An event's data without the message body and media (retention; PostgreSQL does the same with <c>data - 'body' - 'media'</c>).</summary>
    public static string WithoutBody(string dataJson)
    {
        var data = System.Text.Json.Nodes.JsonNode.Parse(dataJson)!.AsObject();
        data.Remove("body");
        data.Remove("media");
        return data.ToJsonString(Options);
    }

    /// <summary>Whether an event's data carries a message body or media.</summary>
    public static bool HasBody(string dataJson) =>
        System.Text.Json.Nodes.JsonNode.Parse(dataJson) is System.Text.Json.Nodes.JsonObject data && (data.ContainsKey("body") || data.ContainsKey("media"));

    /// <summary>
    /// An event time as both backends keep it: UTC, in whole microseconds (PostgreSQL's precision), so
    /// an in-memory time and the same time read back from PostgreSQL are written alike.
    /// </summary>
    public static DateTimeOffset Instant(DateTimeOffset at) => new(at.UtcTicks - at.UtcTicks % TimeSpan.TicksPerMicrosecond, TimeSpan.Zero);

    /// <summary>The event of a message as it is first stored, with its body (both backends use this).</summary>
    public static EventDraft? OfMessage(MessageRecord m) => Draft(m, m.OccurredAt, MessageData.Of(m, m.Body, m.Media, at: null));

    /// <summary>
    /// The event of a status change at <paramref name="at"/>, without the body. The in-memory stores
    /// write it as it is; PostgreSQL writes the same fields in SQL and <see cref="OfStored"/> gives them these bytes.
    /// </summary>
    public static EventDraft? OfStatusChange(MessageRecord m, DateTimeOffset at) => Draft(m, at, MessageData.Of(m, body: null, media: null, Instant(at)));

    /// <summary>
    /// The data of an event read from <c>events.data</c>, as .NET writes it. Message events there were
    /// built by SQL (status changes) or stripped of their body by retention: jsonb orders keys by length,
    /// escapes differently and writes times in the session's zone, so they are read into the one shape
    /// and written again. Other events are returned as stored.
    /// </summary>
    public static string OfStored(string type, string dataJson) => type.StartsWith("message.", StringComparison.Ordinal)
        && JsonSerializer.Deserialize<MessageData>(dataJson, Options) is { } data
        ? Serialize(data with { At = data.At is { } at ? Instant(at) : null })
        : dataJson;

    private static EventDraft? Draft(MessageRecord m, DateTimeOffset at, MessageData data) => TypeOfStatus(m.Status) is { } type
        ? new EventDraft($"{type}/{m.MessageId}", m.TenantId, type, $"{m.LeadPhone}/{m.Channel.ToWireName()}", m.LeadPhone, Instant(at), Serialize(data))
        : null;

    // One shape for every message event; body and media only when the message is first stored (and
    // media only when it has some), at only on status changes.
    private sealed record MessageData(
        Guid MessageId, string Phone, string Channel, string Direction, string Provider, string? ProviderMessageId, string MessageType,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] string? Body,
        string Status, string? ErrorCode,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] DateTimeOffset? At,
        [property: JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] IReadOnlyList<MediaAttachment>? Media = null)
    {
        public static MessageData Of(MessageRecord m, string? body, IReadOnlyList<MediaAttachment>? media, DateTimeOffset? at) => new(
            m.MessageId, m.LeadPhone, m.Channel.ToWireName(), m.Direction.ToWireName(), m.Provider.ToWireName(), m.ProviderMessageId,
            m.MessageType, body, m.Status.ToWireName(), m.ErrorCode, at, media is { Count: > 0 } ? media : null);
    }
}
