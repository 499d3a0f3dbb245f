using Engine.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.Logging;

namespace Engine.Gateway.Tests;

/// <summary>
/// The builder of a small stand-in server (partner, collector) on its own free
/// loopback port, logging warnings only, with the base URL it will answer on.
/// </summary>
internal static class LoopbackServer
{
    public static (WebApplicationBuilder Builder, string BaseUrl) CreateBuilder()
    {
        var port = FreePorts.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        return (builder, $"http://127.0.0.1:{port}");
    }
}
