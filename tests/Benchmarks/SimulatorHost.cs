using Engine.Simulator;
using Engine.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Engine.Benchmarks;

/// <summary>The provider simulator on its own loopback port, standing in for Twilio and Meta.</summary>
internal static class SimulatorHost
{
    public static async Task<WebApplication> StartAsync()
    {
        var port = FreePorts.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(System.Net.IPAddress.Loopback, port));
        builder.Logging.SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddProviderSimulator();
        var app = builder.Build();
        app.Urls.Add($"http://127.0.0.1:{port}");
        app.MapProviderSimulator();
        await app.StartAsync();
        return app;
    }
}
