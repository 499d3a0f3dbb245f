using Engine.Grains.Abstractions;

namespace Engine.Gateway.Webhooks;

/// <summary>An inbound message as Twilio posts it (SMS, MMS or WhatsApp through Twilio).</summary>
internal sealed record TwilioInbound(Channel Channel, string LeadPhone, string MessageSid, string? Body, string MessageType, string? ProfileName);
