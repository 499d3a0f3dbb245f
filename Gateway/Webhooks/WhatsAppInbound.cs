using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Abstractions.Messages;

namespace Engine.Gateway.Webhooks;

/// <summary>One message from a WhatsApp user, who is known by a number, a business-scoped user id or both.</summary>
internal sealed record WhatsAppInbound(string PhoneNumberId, LeadIdentity Lead, string MessageId, string Type, string? Body, DateTimeOffset SentAt, string? ProfileName,
    IReadOnlyList<MediaAttachment> Media);
