using Engine.Gateway.Grpc;
using Engine.Gateway.Hosting;
using Engine.Grains.Hosting;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;

// The only door into the engine: gRPC for businesses, webhooks for providers, probes for operators.
try
{
    var builder = WebApplication.CreateBuilder(new WebApplicationOptions { Args = args, ContentRootPath = AppContext.BaseDirectory });
    builder.AddEngineCluster();
    builder.AddGatewayEndpoints();
    builder.Services.AddGrpc();
    builder.Services.AddGrpcReflection();
    builder.Services.AddGatewayHealthChecks();
    builder.Services.AddSingleton<CallerAuthentication>();

    var app = builder.Build();
    app.MapHealthChecks("/healthz", new HealthCheckOptions { Predicate = _ => false });
    app.MapHealthChecks("/readyz", new HealthCheckOptions { Predicate = check => check.Tags.Contains(HealthChecks.ReadyTag) });
    app.MapGrpcHealthChecksService();
    app.MapGrpcReflectionService();
    app.MapGrpcService<TenantGrpcService>();

    await app.PrepareStorageAsync();
    await app.RunAsync();
    return 0;
}
catch (EngineStartupException e)
{
    await Console.Error.WriteLineAsync($"engine gateway: cannot start: {e.Message}");
    return 2;
}
