using System.Diagnostics;

namespace Engine.Grains.Telemetry;

/// <summary>
/// The engine's own trace source and the attribute names it uses. Spans carry ids (tenant, message),
/// channels and outcomes, never a phone number, a WhatsApp user id or a message body: see
/// <see cref="PersonalDataRedactor"/> for what the libraries' spans would otherwise carry.
/// </summary>
public static class EngineTelemetry
{
    /// <summary>Name of the engine's <see cref="ActivitySource"/> and <see cref="System.Diagnostics.Metrics.Meter"/>.</summary>
    public const string SourceName = "Engine";

    /// <summary>Spans of webhooks, engine grain calls, senders and provider hand-offs.</summary>
    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The gateway's webhook meter.</summary>
    public const string GatewayMeterName = "Engine.Gateway";

    public const string TenantId = "engine.tenant.id";
    public const string Channel = "engine.channel";
    public const string Provider = "engine.provider";
    public const string MessageId = "engine.message.id";
    public const string Outcome = "engine.outcome";
    public const string SubscriptionId = "engine.subscription.id";
    public const string EventType = "engine.event.type";
    public const string EventCursor = "engine.event.cursor";
    public const string EventCount = "engine.events.count";
    public const string Attempt = "engine.attempt";

    /// <summary>OpenTelemetry's semantic-convention names for a response's status code and an error's kind.</summary>
    public const string HttpResponseStatusCode = "http.response.status_code";
    public const string ErrorType = "error.type";

    /// <summary>The context a span was started in, as a W3C traceparent, to resume it after a queue.</summary>
    public static string? CurrentTraceParent() => Activity.Current is { IdFormat: ActivityIdFormat.W3C } current ? current.Id : null;

    /// <summary>
    /// Starts a span that begins a trace of its own, linked to what caused it: work done later for many
    /// callers at once (a relay's batch) or on a grain's own schedule (a retry) belongs to none of their
    /// traces, and a timer's callback may still run in the context of whatever created the timer.
    /// </summary>
    public static Activity? StartRoot(string name, ActivityKind kind, IEnumerable<ActivityLink>? links = null)
    {
        var ambient = Activity.Current;
        Activity.Current = null;
        var activity = Source.StartActivity(name, kind, parentContext: default, links: links);
        if (activity is null)
        {
            Activity.Current = ambient;
        }

        return activity;
    }

    /// <summary>
    /// Starts a span whose parent is a context saved earlier (a message that waited in a queue), or the
    /// current one when none was saved or it does not parse.
    /// </summary>
    public static Activity? StartResumed(string name, string? traceParent, ActivityKind kind = ActivityKind.Internal) =>
        traceParent is not null && ActivityContext.TryParse(traceParent, null, out var parent)
            ? Source.StartActivity(name, kind, parent)
            : Source.StartActivity(name, kind);
}
