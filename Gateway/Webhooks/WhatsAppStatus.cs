using Engine.Grains.Abstractions.Messages;

namespace Engine.Gateway.Webhooks;

/// <summary>A status of one of our outbound WhatsApp messages.</summary>
internal sealed record WhatsAppStatus(string PhoneNumberId, string LeadPhone, string MessageId, DeliveryStatus Status, string? ErrorCode, DateTimeOffset At);
