using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Abstractions.Messages;

namespace Engine.Gateway.Webhooks;

/// <summary>
/// A status of one of our outbound WhatsApp messages, with the recipient as Meta names them.
/// <see cref="EngineMessageId"/> is the biz_opaque_callback_data the sender attached: the engine's own id.
/// </summary>
internal sealed record WhatsAppStatus(
    string PhoneNumberId, LeadIdentity Recipient, string MessageId, DeliveryStatus Status, string? ErrorCode, DateTimeOffset At, Guid? EngineMessageId);
