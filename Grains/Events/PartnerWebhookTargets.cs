using System.Net;
using System.Net.Sockets;
using Engine.Grains.Policies;

namespace Engine.Grains.Events;

/// <summary>
/// Resolves partner webhook hosts and applies <see cref="WebhookTargetPolicy"/>: once when a
/// subscription is created, and again on every connection, because a name can be re-pointed at an
/// internal address after it was checked (DNS rebinding).
/// </summary>
public static class PartnerWebhookTargets
{
    /// <summary>An internal address <paramref name="host"/> is or resolves to, or null when all are public.</summary>
    public static async Task<IPAddress?> FindInternalAddressAsync(string host, CancellationToken cancellationToken)
    {
        var addresses = await ResolveAsync(host, cancellationToken);
        return addresses.FirstOrDefault(a => !WebhookTargetPolicy.IsPublic(a));
    }

    /// <summary>
    /// A <see cref="SocketsHttpHandler.ConnectCallback"/> that connects only to public addresses of the
    /// host: the address connected to is the one checked, so no later lookup can swap it.
    /// </summary>
    public static async ValueTask<Stream> ConnectToPublicAddressAsync(SocketsHttpConnectionContext context, CancellationToken cancellationToken)
    {
        var host = context.DnsEndPoint.Host;
        var addresses = await ResolveAsync(host, cancellationToken);
        var allowed = addresses.Where(WebhookTargetPolicy.IsPublic).ToArray();
        if (allowed.Length == 0)
        {
            throw new HttpRequestException(HttpRequestError.ConnectionError,
                $"refused to connect: {host} resolves only to internal addresses ({string.Join(", ", addresses.Take(3))})");
        }

        var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            await socket.ConnectAsync(allowed, context.DnsEndPoint.Port, cancellationToken);
            return new NetworkStream(socket, ownsSocket: true);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    private static async Task<IPAddress[]> ResolveAsync(string host, CancellationToken cancellationToken) =>
        IPAddress.TryParse(host, out var literal) ? [literal] : await Dns.GetHostAddressesAsync(host, cancellationToken);
}
