using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Leads;
using Engine.Grains.Tenants;
using Engine.Grains.Policies;

namespace Engine.Gateway.Grpc;

/// <summary>Checks of request fields shared by the services; each failure names the field.</summary>
internal static class RequestValidation
{
    public static void RequireTenantId(string tenantId)
    {
        if (!TenantIds.IsValid(tenantId))
        {
            RpcErrors.InvalidArgument("tenant_id", "must be 2-64 lower-case letters, digits or '-', starting with a letter or digit");
        }
    }

    public static string RequirePhone(string phone, string field = "phone")
    {
        var number = PhoneNumberNormalizer.Normalize(phone);
        if (!number.IsValid)
        {
            RpcErrors.InvalidArgument(field, number.Error!);
        }

        return number.E164!;
    }

    /// <summary>
    /// The address of the lead a request names by phone or by WhatsApp user id. A user id already linked
    /// to a lead (one first seen by number) resolves to it; with <paramref name="link"/> an unknown id
    /// becomes a lead of its own, as a webhook from that user would make it.
    /// </summary>
    public static async Task<string> RequireLeadAsync(IGrainFactory grains, string tenantId, string phone, string whatsAppUserId, bool link)
    {
        if (whatsAppUserId.Length == 0)
        {
            return RequirePhone(phone);
        }

        if (phone.Length > 0)
        {
            RpcErrors.InvalidArgument("whatsapp_user_id", "set phone or whatsapp_user_id, not both");
        }

        if (!LeadAddress.IsWhatsAppUserId(whatsAppUserId))
        {
            RpcErrors.InvalidArgument("whatsapp_user_id", $"'{whatsAppUserId}' is not a WhatsApp business-scoped user id (such as 'US.13491208655302741918')");
        }

        return link
            ? await WhatsAppUsers.ResolveAsync(grains, tenantId, new LeadIdentity(WhatsAppUserId: whatsAppUserId))
            : await grains.GetGrain<IWhatsAppUserGrain>(GrainKeys.WhatsAppUser(tenantId, whatsAppUserId)).FindLeadAsync() ?? whatsAppUserId;
    }

    /// <summary>The tenant, NOT_FOUND when it does not exist; <paramref name="fresh"/> reads past the cache.</summary>
    public static async Task<TenantSnapshot> RequireTenantAsync(TenantCache tenants, string tenantId, bool fresh = false)
    {
        var tenant = await tenants.GetAsync(tenantId, fresh);
        if (!tenant.Exists)
        {
            RpcErrors.NotFound($"tenant '{tenantId}'");
        }

        return tenant;
    }

    public static Channel RequireChannel(V1.Channel channel) => channel switch
    {
        V1.Channel.Sms => Channel.Sms,
        V1.Channel.Whatsapp => Channel.WhatsApp,
        _ => RpcErrors.InvalidArgument<Channel>("channel", "must be CHANNEL_SMS or CHANNEL_WHATSAPP"),
    };

    public static void RequireTimeZone(string zone, string field)
    {
        if (zone.Length > 0 && !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
        {
            RpcErrors.InvalidArgument(field, $"'{zone}' is not a known IANA time zone");
        }
    }
}
