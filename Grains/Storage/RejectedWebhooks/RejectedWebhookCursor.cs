namespace Engine.Grains.Storage.RejectedWebhooks;

/// <summary>A position in a tenant's rejected webhook items, newest first: (received_at, id).</summary>
public readonly record struct RejectedWebhookCursor(DateTimeOffset ReceivedAt, string Id);
