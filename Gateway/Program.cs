using Engine.Gateway.Hosting;
using Engine.Grains.Hosting;

// The only door into the engine: gRPC for businesses, webhooks for providers, probes for operators.
try
{
    var app = GatewayApp.Build(args);
    await app.PrepareStorageAsync();
    await app.RunAsync();
    return 0;
}
catch (EngineStartupException e)
{
    // A configuration problem the operator can fix from the message alone; no stack trace.
    await Console.Error.WriteLineAsync($"engine gateway: cannot start: {e.Message}");
    return 2;
}
