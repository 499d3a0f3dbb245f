namespace Engine.Grains.Storage.DeadLetters;

/// <summary>A position in a tenant's dead letters, newest first: (parked_at, cursor, subscription_id).</summary>
public readonly record struct DeadLetterCursor(DateTimeOffset ParkedAt, long Cursor, string SubscriptionId);
