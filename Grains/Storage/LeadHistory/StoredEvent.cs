namespace Engine.Grains.Storage.LeadHistory;

/// <summary>An event as the outbox holds it: its write order, its cursor once published, and its JSON data.</summary>
public sealed record StoredEvent(long Sequence, long? Cursor, string EventId, string Type, string Subject, DateTimeOffset OccurredAt, string DataJson);
