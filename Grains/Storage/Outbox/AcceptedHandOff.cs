using Engine.Grains.Abstractions.Messages;

namespace Engine.Grains.Storage.Outbox;

/// <summary>A message a provider accepted, and the id it gave it.</summary>
public readonly record struct AcceptedHandOff(Guid MessageId, Provider Provider, string ProviderMessageId);
