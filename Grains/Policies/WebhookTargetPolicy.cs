using System.Net;
using System.Net.Sockets;

namespace Engine.Grains.Policies;

/// <summary>
/// Which addresses a partner webhook may reach: the public internet only. A tenant chooses the URL, so
/// without this rule it could make the engine call its own network (cloud metadata at 169.254.169.254,
/// databases, admin ports) from inside.
/// </summary>
public static class WebhookTargetPolicy
{
    /// <summary>
    /// False for unspecified, loopback, link-local, private (RFC 1918), CGNAT, unique-local, multicast
    /// and reserved addresses, IPv4 ones also when written as IPv4-mapped IPv6.
    /// </summary>
    public static bool IsPublic(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var b = address.GetAddressBytes();
        return address.AddressFamily switch
        {
            AddressFamily.InterNetwork => !(
                b[0] == 0                                 // 0.0.0.0/8, "this network"
                || b[0] == 10                             // 10/8
                || b[0] == 127                            // loopback
                || (b[0] == 100 && (b[1] & 0xC0) == 64)   // 100.64/10, CGNAT
                || (b[0] == 169 && b[1] == 254)           // link-local, cloud metadata
                || (b[0] == 172 && (b[1] & 0xF0) == 16)   // 172.16/12
                || (b[0] == 192 && b[1] == 168)           // 192.168/16
                || b[0] >= 224),                          // multicast 224/4, reserved 240/4, broadcast
            AddressFamily.InterNetworkV6 => !(
                address.Equals(IPAddress.IPv6Any)
                || address.Equals(IPAddress.IPv6Loopback)
                || (b[0] == 0xFE && (b[1] & 0x80) == 0x80)  // fe80::/10 link-local, fec0::/10 old site-local
                || (b[0] & 0xFE) == 0xFC                    // fc00::/7, unique-local
                || b[0] == 0xFF),                           // ff00::/8, multicast
            _ => false,
        };
    }
}
