namespace Engine.Gateway.Webhooks;

/// <summary>One message from a WhatsApp user.</summary>
internal sealed record WhatsAppInbound(string PhoneNumberId, string LeadPhone, string MessageId, string Type, string? Body, DateTimeOffset SentAt, string? ProfileName);
