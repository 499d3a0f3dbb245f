namespace Engine.Grains.Storage.DeadLetters;

/// <summary>An event a partner webhook refused for the whole retry window.</summary>
public sealed record DeadLetter(
    string TenantId, string SubscriptionId, long Cursor, string EventId, string EventType,
    int Attempts, string? LastError, DateTimeOffset FirstFailedAt, DateTimeOffset ParkedAt);
