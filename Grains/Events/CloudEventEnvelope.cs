using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.SystemTextJson;
using Engine.Grains.Abstractions.Events;

namespace Engine.Grains.Events;

/// <summary>The engine's events as CloudEvents 1.0 structured-mode JSON, with a "cursor" extension.</summary>
public static class CloudEventEnvelope
{
    private static readonly CloudEventAttribute CursorAttribute = CloudEventAttribute.CreateExtension("cursor", CloudEventAttributeType.String);
    private static readonly JsonEventFormatter Formatter = new();

    public static string ToJson(EngineEvent evt)
    {
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0, [CursorAttribute])
        {
            Id = evt.EventId,
            Source = new Uri($"urn:engine:tenant:{evt.TenantId}"),
            Type = evt.Type,
            Subject = evt.Subject,
            Time = evt.OccurredAt,
            DataContentType = "application/json",
            Data = JsonDocument.Parse(evt.DataJson).RootElement,
            [CursorAttribute] = evt.Cursor.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return Encoding.UTF8.GetString(Formatter.EncodeStructuredModeMessage(cloudEvent, out _).Span);
    }
}
