using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Npgsql;
using StackExchange.Redis;

namespace Engine.Grains.Hosting;

/// <summary>
/// Readiness shared by silos and gateways: the storage checks both need, the tag that marks a check as
/// part of readiness, and the one body every /readyz answers with, naming each dependency's state.
/// </summary>
public static class EngineHealthChecks
{
    public const string ReadyTag = "ready";

    /// <summary>PostgreSQL and Redis, each healthy when not configured (the embedded engine has neither).</summary>
    public static IHealthChecksBuilder AddEngineStorageChecks(this IHealthChecksBuilder checks, bool redis) =>
        redis
            ? checks.AddCheck<PostgresHealthCheck>("postgres", tags: [ReadyTag]).AddCheck<RedisHealthCheck>("redis", tags: [ReadyTag])
            : checks.AddCheck<PostgresHealthCheck>("postgres", tags: [ReadyTag]);

    /// <summary>
    /// Writes {"status": ..., "checks": {"postgres": {"status": ..., "description": ..., "error": ...}}}, so an
    /// operator reading a failed probe sees which dependency failed and why.
    /// </summary>
    public static async Task WriteReportAsync(HttpContext http, HealthReport report)
    {
        http.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(http.Response.Body, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteString("status", entry.Status.ToString());
            json.WriteString("description", entry.Description);
            if (entry.Exception is { } error)
            {
                json.WriteString("error", $"{error.GetType().Name}: {error.Message}");
            }

            json.WriteEndObject();
        }

        json.WriteEndObject();
        json.WriteEndObject();
    }

    private sealed class PostgresHealthCheck(IServiceProvider services) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (services.GetService<NpgsqlDataSource>() is not { } dataSource)
            {
                return HealthCheckResult.Healthy("not configured (embedded engine)");
            }

            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                timeout.CancelAfter(TimeSpan.FromSeconds(5));
                await using var command = dataSource.CreateCommand("SELECT 1");
                await command.ExecuteScalarAsync(timeout.Token);
                return HealthCheckResult.Healthy("reachable");
            }
            catch (Exception e) when (e is NpgsqlException or OperationCanceledException or TimeoutException && !cancellationToken.IsCancellationRequested)
            {
                return HealthCheckResult.Unhealthy("PostgreSQL is unreachable", e);
            }
        }
    }

    private sealed class RedisHealthCheck(IServiceProvider services) : IHealthCheck
    {
        public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
        {
            if (services.GetService<IConnectionMultiplexer>() is not { } redis)
            {
                return HealthCheckResult.Healthy("not configured");
            }

            try
            {
                var latency = await redis.GetDatabase().PingAsync();
                return HealthCheckResult.Healthy($"ping {latency.TotalMilliseconds:F1} ms");
            }
            catch (Exception e) when (Engine.Grains.Events.RedisOutage.Is(e))
            {
                return HealthCheckResult.Unhealthy("Redis is unreachable", e);
            }
        }
    }
}
