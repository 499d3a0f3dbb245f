using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Engine.Grains.Hosting;

/// <summary>
/// Builds the standalone silo process; Silo/Program runs it, tests host it in-process too. Between
/// building and running: <see cref="PostgresStartup.PrepareStorageAsync"/>, then <see cref="StartProbesAsync"/>.
/// </summary>
public static class EngineSiloHost
{
    /// <summary>
    /// SIGTERM leaves the cluster cleanly: grains deactivate (a sender finishes its batch in flight) and the
    /// silo marks itself dead, so nothing waits for a vote. Under the 60 s the Kubernetes manifest allows.
    /// </summary>
    public static readonly TimeSpan ShutdownTimeout = TimeSpan.FromSeconds(45);

    /// <summary>Opens the probe and metrics listener on Silo:HttpUrl (a no-op when unset).</summary>
    public static Task StartProbesAsync(this IHost host, CancellationToken cancellationToken = default) =>
        host.Services.GetRequiredService<SiloProbes>().OpenAsync(cancellationToken);

    /// <param name="args">Command-line arguments.</param>
    /// <param name="configure">Extra configuration applied before anything reads it (tests use it).</param>
    public static IHost Build(string[] args, Action<HostApplicationBuilder>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
        configure?.Invoke(builder);
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = ShutdownTimeout);
        builder.AddEngineTelemetry("engine-silo");
        SiloProbes.AddTo(builder);
        builder.AddEngineSilo(allowEmbedded: false);
        return builder.Build();
    }
}
