using Engine.Grains.Abstractions;

namespace Engine.Grains.Storage.Messages;

/// <summary>A position in a conversation's history, newest first: (occurred_at, message_id).</summary>
public readonly record struct MessageCursor(DateTimeOffset OccurredAt, Guid MessageId);

/// <summary>A position in a tenant's conversation list, most recent first.</summary>
public readonly record struct ConversationCursor(DateTimeOffset LastActivityAt, string LeadPhone, Channel Channel);

/// <summary>One conversation of a tenant and when it was last active.</summary>
public sealed record ConversationActivity(string LeadPhone, Channel Channel, DateTimeOffset LastActivityAt, long MessageCount);
