using System.Net;
using Engine.Simulator;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Engine.TestSupport;

/// <summary>The provider simulator on its own loopback port, as Twilio and Meta are on their own hosts.</summary>
public sealed class SimulatorHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private SimulatorHost(WebApplication app, string baseUrl) => (_app, BaseUrl) = (app, baseUrl);

    /// <summary>The providers' base URL: Providers:Twilio:BaseUrl and Providers:WhatsApp:BaseUrl of the engine under test.</summary>
    public string BaseUrl { get; }

    public ProviderSimulator Simulator => _app.Services.GetRequiredService<ProviderSimulator>();

    /// <param name="minimumLevel">The least severe log entry written.</param>
    public static async Task<SimulatorHost> StartAsync(LogLevel minimumLevel = LogLevel.Warning)
    {
        var port = FreePorts.Next();
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port));
        // Set in configuration, which wins over SetMinimumLevel: the output folder's appsettings.json (a host's) says Information.
        builder.Configuration["Logging:LogLevel:Default"] = minimumLevel.ToString();
        builder.Services.AddProviderSimulator();
        var app = builder.Build();
        app.MapProviderSimulator();
        await app.StartAsync();
        return new SimulatorHost(app, $"http://127.0.0.1:{port}");
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
