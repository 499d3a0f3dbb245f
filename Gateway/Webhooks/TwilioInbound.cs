using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Messages;

namespace Engine.Gateway.Webhooks;

/// <summary>
/// An inbound message as Twilio posts it (SMS, MMS or WhatsApp through Twilio). <see cref="OptOutType"/>
/// is set when Twilio's Advanced Opt-Out recognised a keyword and answered it itself.
/// </summary>
internal sealed record TwilioInbound(
    Channel Channel, string LeadPhone, string MessageSid, string? Body, string MessageType, string? ProfileName, KeywordKind? OptOutType,
    IReadOnlyList<MediaAttachment> Media);
