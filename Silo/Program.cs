using Engine.Grains.Hosting;
using Microsoft.Extensions.Hosting;

// A headless silo: joins the cluster through PostgreSQL membership and hosts grains; with Silo:HttpUrl
// set it also answers probes and metrics scrapes. "--migrate-only" applies deploy/sql and exits (a
// deployment's migration job), so silos starting after it find nothing to do.
try
{
    var migrateOnly = args.Contains(MigrateOnly, StringComparer.Ordinal);
    using var host = EngineSiloHost.Build(args.Where(a => a != MigrateOnly).ToArray());
    await host.PrepareStorageAsync(schemaOnly: migrateOnly);
    if (migrateOnly)
    {
        return 0;
    }

    await host.StartProbesAsync();
    await host.RunAsync();
    return 0;
}
catch (EngineStartupException e)
{
    // A configuration problem the operator can fix from the message alone; no stack trace.
    await Console.Error.WriteLineAsync($"engine silo: cannot start: {e.Message}");
    return 2;
}

internal static partial class Program
{
    private const string MigrateOnly = "--migrate-only";
}
