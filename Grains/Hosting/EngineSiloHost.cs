using Microsoft.Extensions.Hosting;

namespace Engine.Grains.Hosting;

/// <summary>Builds the standalone silo process; Silo/Program runs it, tests host it in-process too.</summary>
public static class EngineSiloHost
{
    /// <param name="args">Command-line arguments.</param>
    /// <param name="configure">Extra configuration applied before anything reads it (tests use it).</param>
    public static IHost Build(string[] args, Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        builder.AddEngineTelemetry("engine-silo");
        SiloProbes.AddTo(builder); // before the silo, so the probes answer while it joins
        builder.AddEngineSilo(allowEmbedded: false);
        return builder.Build();
    }
}
