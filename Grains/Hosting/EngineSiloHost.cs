using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Engine.Grains.Hosting;

/// <summary>
/// Builds the standalone silo process; Silo/Program runs it, tests host it in-process too. Between
/// building and running: <see cref="PostgresStartup.PrepareStorageAsync"/>, then <see cref="StartProbesAsync"/>.
/// </summary>
public static class EngineSiloHost
{
    /// <summary>Opens the probe and metrics listener on Silo:HttpUrl (a no-op when unset).</summary>
    public static Task StartProbesAsync(this IHost host, CancellationToken cancellationToken = default) =>
        host.Services.GetRequiredService<SiloProbes>().OpenAsync(cancellationToken);

    /// <param name="args">Command-line arguments.</param>
    /// <param name="configure">Extra configuration applied before anything reads it (tests use it).</param>
    public static IHost Build(string[] args, Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        builder.AddEngineTelemetry("engine-silo");
        SiloProbes.AddTo(builder);
        builder.AddEngineSilo(allowEmbedded: false);
        return builder.Build();
    }
}
