using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Abstractions.Tenants;

namespace Engine.Grains.Policies;

/// <summary>Why a send request is refused before any consent or timing rule is asked.</summary>
public readonly record struct RequestRefusal(RejectionCode Code, string Reason);

/// <summary>
/// What a send request must be, whatever the lead's consent: a channel the tenant configured, a body
/// or a template (templates on WhatsApp only) within the channel's length limit, and an address the
/// channel can reach.
/// </summary>
public static class OutboundRequestPolicy
{
    /// <summary>The refusal, or null when the request may go on to the consent and timing checks.</summary>
    public static RequestRefusal? Refusal(OutboundRequest request, TenantSettings tenant, string tenantId, Channel channel, string leadAddress)
    {
        var channelConfigured = channel == Channel.Sms ? tenant.Sms is not null : tenant.WhatsApp is not null;
        if (!channelConfigured)
        {
            return new(RejectionCode.ChannelNotConfigured, $"tenant '{tenantId}' has no {channel.ToWireName()} channel configured");
        }

        if (request.Template is not null && channel != Channel.WhatsApp)
        {
            return new(RejectionCode.InvalidRequest, "templates can be sent only on WhatsApp");
        }

        if (channel == Channel.Sms && !LeadAddress.IsPhoneNumber(leadAddress))
        {
            return new(RejectionCode.InvalidRequest, "a lead known only by a WhatsApp user id can be reached on WhatsApp only");
        }

        if (request.Template is null && string.IsNullOrWhiteSpace(request.Body))
        {
            return new(RejectionCode.InvalidRequest, "a message needs a body or a template");
        }

        var limit = MessageLimits.MaxBody(channel);
        return request.Body is { Length: var length } && length > limit
            ? new(RejectionCode.InvalidRequest, $"the body has {length} characters; {channel.ToWireName()} allows at most {limit}")
            : null;
    }
}
