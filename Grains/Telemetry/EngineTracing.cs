using System.Diagnostics;
using Orleans.Hosting;

namespace Engine.Grains.Telemetry;

/// <summary>
/// Orleans' side of tracing: the trace context travels with every grain call (client and silo), and
/// each call into an engine grain gets an engine span naming its tenant.
/// </summary>
public static class EngineTracing
{
    public static ISiloBuilder AddEngineTracing(this ISiloBuilder silo) =>
        silo.AddActivityPropagation().AddIncomingGrainCallFilter<EngineGrainCallFilter>();

    public static IClientBuilder AddEngineTracing(this IClientBuilder client) => client.AddActivityPropagation();

    /// <summary>
    /// A span per call into an engine grain ("conversation ReceiveAsync"), tagged with the tenant: every
    /// engine grain key starts with the tenant id (see GrainKeys). Orleans' own span next to it names
    /// the grain by its full key, which <see cref="PersonalDataRedactor"/> strips of the person.
    /// </summary>
    internal sealed class EngineGrainCallFilter : IIncomingGrainCallFilter
    {
        public Task Invoke(IIncomingGrainCallContext context) =>
            context.Grain is Grain grain && grain.GetType().Assembly == typeof(EngineGrainCallFilter).Assembly && EngineTelemetry.Source.HasListeners()
                ? TracedAsync(context)
                : context.Invoke();

        private static async Task TracedAsync(IIncomingGrainCallContext context)
        {
            using var activity = EngineTelemetry.Source.StartActivity($"{context.TargetId.Type} {context.MethodName}");
            if (activity is { IsAllDataRequested: true })
            {
                var key = context.TargetId.Key.ToString();
                var slash = key.IndexOf('/', StringComparison.Ordinal);
                activity.SetTag(EngineTelemetry.TenantId, slash < 0 ? key : key[..slash]);
            }

            try
            {
                await context.Invoke();
            }
            catch (Exception e)
            {
                activity?.SetStatus(ActivityStatusCode.Error, e.GetType().Name);
                throw;
            }
        }
    }
}
