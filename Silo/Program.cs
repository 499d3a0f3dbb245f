using Engine.Grains.Hosting;
using Microsoft.Extensions.Hosting;

// A headless silo: joins the cluster through PostgreSQL membership and hosts grains; with Silo:HttpUrl
// set it also answers probes and metrics scrapes.
try
{
    using var host = EngineSiloHost.Build(args);
    await host.PrepareStorageAsync();
    await host.RunAsync();
    return 0;
}
catch (EngineStartupException e)
{
    // A configuration problem the operator can fix from the message alone; no stack trace.
    await Console.Error.WriteLineAsync($"engine silo: cannot start: {e.Message}");
    return 2;
}
