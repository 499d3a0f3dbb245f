namespace Engine.Simulator;

/// <summary>How a host runs the provider simulator: the embedded gateway under /simulator, tests and benchmarks on a port of its own.</summary>
public static class SimulatorHostingExtensions
{
    /// <summary>Registers the simulator and the HTTP client it posts its status callbacks with.</summary>
    public static IServiceCollection AddProviderSimulator(this IServiceCollection services)
    {
        services.AddSingleton<ProviderSimulator>();
        services.AddHttpClient(nameof(ProviderSimulator))
            .ConfigurePrimaryHttpMessageHandler(() => new SocketsHttpHandler { MaxConnectionsPerServer = 256 });
        return services;
    }

    /// <summary>
    /// Maps Twilio's and Meta's endpoints under <paramref name="prefix"/> (the providers' base URL), and
    /// beside them the simulator's own: POST faults to inject one, GET messages to list what was sent.
    /// </summary>
    public static IEndpointRouteBuilder MapProviderSimulator(this IEndpointRouteBuilder app, string prefix = "")
    {
        var routes = app.MapGroup(prefix);
        routes.MapPost("/2010-04-01/Accounts/{accountSid}/Messages.json", (string accountSid, HttpRequest request, ProviderSimulator simulator) => simulator.TwilioCreateAsync(accountSid, request));
        routes.MapGet("/2010-04-01/Accounts/{accountSid}/Messages.json", (string accountSid, HttpRequest request, ProviderSimulator simulator) => simulator.TwilioListAsync(accountSid, request));
        routes.MapPost("/{version}/{phoneNumberId}/messages", (string phoneNumberId, HttpRequest request, ProviderSimulator simulator) => simulator.MetaSendAsync(phoneNumberId, request));
        routes.MapPost("/faults", (SimulatedFault fault, ProviderSimulator simulator) =>
        {
            simulator.Inject(fault);
            return Results.NoContent();
        });
        routes.MapGet("/messages", (ProviderSimulator simulator) => simulator.Sent);
        return app;
    }
}
