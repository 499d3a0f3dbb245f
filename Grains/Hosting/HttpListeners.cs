using System.Net;
using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace Engine.Grains.Hosting;

/// <summary>The engine's own listener settings (Gateway:HttpUrl, Gateway:GrpcUrl, Silo:HttpUrl) turned into Kestrel endpoints.</summary>
public static class HttpListeners
{
    /// <summary>
    /// Listens on an http:// URL: "localhost", any address ("*", "+", "0.0.0.0") or one IP address.
    /// TLS is configured through Kestrel's own Kestrel:Endpoints section instead.
    /// </summary>
    /// <param name="kestrel">The server.</param>
    /// <param name="url">The URL, with a port.</param>
    /// <param name="protocols">HTTP/1.1 or HTTP/2 (cleartext cannot negotiate both).</param>
    /// <param name="setting">The setting it came from, named in the error.</param>
    public static void Listen(KestrelServerOptions kestrel, string url, HttpProtocols protocols, string setting)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme != Uri.UriSchemeHttp)
        {
            throw new EngineStartupException(
                $"{setting} must be an http:// URL with a host and port, not '{url}' (for https, configure Kestrel:Endpoints).");
        }

        if (uri.Host is "localhost")
        {
            kestrel.ListenLocalhost(uri.Port, o => o.Protocols = protocols);
        }
        else if (uri.Host is "*" or "+" or "0.0.0.0")
        {
            kestrel.ListenAnyIP(uri.Port, o => o.Protocols = protocols);
        }
        else if (IPAddress.TryParse(uri.Host, out var address))
        {
            kestrel.Listen(address, uri.Port, o => o.Protocols = protocols);
        }
        else
        {
            throw new EngineStartupException($"{setting} must name localhost, an IP address or 0.0.0.0, not the host '{uri.Host}' in '{url}'.");
        }
    }
}
