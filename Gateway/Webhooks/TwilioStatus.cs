using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Messages;

namespace Engine.Gateway.Webhooks;

/// <summary>A Twilio status callback for one of our outbound messages.</summary>
internal sealed record TwilioStatus(Channel Channel, string LeadPhone, string MessageSid, DeliveryStatus Status, string? ErrorCode);
