namespace Engine.Grains.Storage.Events;

/// <summary>An event to record, before the relay has given it a cursor.</summary>
public sealed record EventDraft(string EventId, string TenantId, string Type, string Subject, string? LeadPhone, DateTimeOffset OccurredAt, string DataJson);
