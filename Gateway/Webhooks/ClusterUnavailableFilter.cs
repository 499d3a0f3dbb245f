using Engine.Gateway.Hosting;

namespace Engine.Gateway.Webhooks;

/// <summary>
/// A webhook that fails because the cluster cannot be reached answers 503 with Retry-After, so the
/// provider retries it later (every step is idempotent), instead of a 500 with a stack trace logged as
/// an error for what is an expected moment of a silo failover.
/// </summary>
internal sealed class ClusterUnavailableFilter(ILogger<ClusterUnavailableFilter> logger) : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception e) when (ClusterFaults.IsUnavailable(e))
        {
            var http = context.HttpContext;
            ClusterFaults.Log(logger, $"{http.Request.Method} {http.Request.Path}", "503", e);
            http.Response.Headers.RetryAfter = ClusterFaults.RetryAfterSeconds;
            return Results.Problem(detail: ClusterFaults.Message, statusCode: StatusCodes.Status503ServiceUnavailable, title: "cluster_unavailable");
        }
    }
}
