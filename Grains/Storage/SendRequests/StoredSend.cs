using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Conversations;

namespace Engine.Grains.Storage.SendRequests;

/// <summary>The first answer given to a send request with an idempotency key.</summary>
public sealed record StoredSend(string TenantId, string IdempotencyKey, string LeadPhone, Channel Channel, SendResult Result);
