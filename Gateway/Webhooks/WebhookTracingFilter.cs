using System.Diagnostics;
using Engine.Grains.Delivery;
using Engine.Grains.Telemetry;

namespace Engine.Gateway.Webhooks;

/// <summary>
/// Opens the engine span of a webhook ("webhook twilio"), tagged with tenant and provider; the grain
/// calls it makes, and the sends they queue, join its trace. The path's tenant is the only id taken.
/// </summary>
internal sealed class WebhookTracingFilter : IEndpointFilter
{
    public async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var routeValues = context.HttpContext.Request.RouteValues;
        var provider = context.HttpContext.Request.Path.StartsWithSegments(WebhookRoutes.Prefix + "/twilio", StringComparison.Ordinal) ? "twilio" : "meta";
        using var activity = EngineTelemetry.Source.StartActivity($"webhook {provider}", ActivityKind.Internal);
        activity?.SetTag(EngineTelemetry.Provider, provider).SetTag(EngineTelemetry.TenantId, routeValues["tenant"] as string);
        try
        {
            return await next(context);
        }
        catch (Exception e)
        {
            activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
            throw;
        }
    }
}
