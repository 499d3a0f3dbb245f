using Engine.Grains.Hosting;
using Microsoft.Extensions.Hosting;

// A headless silo: joins the cluster through PostgreSQL membership and hosts grains.
try
{
    var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
    builder.AddEngineSilo(allowEmbedded: false);
    using var host = builder.Build();
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
