using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Conversations;

namespace Engine.Grains.Storage;

/// <summary>A position in a conversation's history, newest first: (occurred_at, message_id).</summary>
public readonly record struct MessageCursor(DateTimeOffset OccurredAt, Guid MessageId);

/// <summary>A position in a tenant's conversation list, most recent first.</summary>
public readonly record struct ConversationCursor(DateTimeOffset LastActivityAt, string LeadPhone, Channel Channel);

/// <summary>One conversation of a tenant and when it was last active.</summary>
public sealed record ConversationActivity(string LeadPhone, Channel Channel, DateTimeOffset LastActivityAt, long MessageCount);

/// <summary>The first answer given to a send request with an idempotency key.</summary>
public sealed record StoredSend(string TenantId, string IdempotencyKey, string LeadPhone, Channel Channel, SendResult Result);

/// <summary>A message a provider accepted, and the id it gave it.</summary>
public readonly record struct AcceptedHandOff(Guid MessageId, Abstractions.Messages.Provider Provider, string ProviderMessageId);
