using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Tenants;
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

    public static Channel RequireChannel(V1.Channel channel) => channel switch
    {
        V1.Channel.Sms => Channel.Sms,
        V1.Channel.Whatsapp => Channel.WhatsApp,
        _ => Throw<Channel>("channel", "must be CHANNEL_SMS or CHANNEL_WHATSAPP"),
    };

    public static void RequireTimeZone(string zone, string field)
    {
        if (zone.Length > 0 && !TimeZoneInfo.TryFindSystemTimeZoneById(zone, out _))
        {
            RpcErrors.InvalidArgument(field, $"'{zone}' is not a known IANA time zone");
        }
    }

    private static T Throw<T>(string field, string problem)
    {
        RpcErrors.InvalidArgument(field, problem);
        return default!;
    }
}
