using Engine.Grains.Hosting;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Engine.Gateway.Hosting;

/// <summary>Readiness checks: each dependency the gateway needs to do its job.</summary>
internal static class HealthChecks
{
    public static IServiceCollection AddGatewayHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddEngineStorageChecks(redis: true)
            .AddCheck<ClusterHealthCheck>("cluster", tags: [EngineHealthChecks.ReadyTag]);
        services.AddGrpcHealthChecks(o => o.Services.Map("", registration => registration.Tags.Contains(EngineHealthChecks.ReadyTag)));
        return services;
    }

    private sealed class ClusterHealthCheck(IClusterClient client) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            try
            {
                var hosts = await client.GetGrain<IManagementGrain>(0).GetHosts(onlyActive: true, cancellationToken).WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
                return hosts.Count > 0
                    ? HealthCheckResult.Healthy($"{hosts.Count} active silo(s)")
                    : HealthCheckResult.Unhealthy("no active silo");
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy("the cluster does not answer", e);
            }
        }
    }
}
