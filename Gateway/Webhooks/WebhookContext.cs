using Engine.Grains.Options;
using Engine.Grains.Tenants;
using Engine.Gateway.Hosting;
using Engine.Grains.Abstractions.Messages;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Engine.Grains.Storage.RejectedWebhooks;

namespace Engine.Gateway.Webhooks;

/// <summary>What every webhook handler needs, resolved once from DI.</summary>
internal sealed partial class WebhookContext(
    IClusterClient cluster,
    TenantCache tenants,
    WebhookDeduplicator deduplicator,
    IRejectedWebhookLog rejectedWebhooks,
    WebhookMetrics metrics,
    IdempotentRetry retry,
    IOptions<EngineSettings> engine,
    TimeProvider time,
    ILogger<WebhookContext> logger)
{
    public IClusterClient Cluster => cluster;
    public TenantCache Tenants => tenants;
    public TimeProvider Time => time;

    /// <summary>The URL the provider called, rebuilt from Engine:PublicBaseUrl (proxies change Host).</summary>
    public string PublicUrl(HttpContext http)
    {
        var rawTarget = http.Features.Get<IHttpRequestFeature>()?.RawTarget ?? http.Request.Path + http.Request.QueryString;
        var publicBase = engine.Value.PublicBaseUrl ?? $"{http.Request.Scheme}://{http.Request.Host}";
        return publicBase.TrimEnd('/') + rawTarget;
    }

    /// <summary>
    /// Runs <paramref name="process"/> unless the item was processed before; marks it afterwards.
    /// Processing is idempotent, so a call that did not reach a live silo, or got no answer, is tried again.
    /// </summary>
    public async Task ProcessOnceAsync(string provider, string kind, string key, Func<Task> process)
    {
        if (await deduplicator.WasProcessedAsync(key))
        {
            metrics.Item(provider, kind, "duplicate");
            return;
        }

        await retry.RunAsync(process);
        await deduplicator.MarkProcessedAsync(key);
        metrics.Item(provider, kind, "processed");
    }

    /// <summary>
    /// Applies a delivery status. Statuses skip the de-duplication keys: a repeated one cannot move a
    /// message's status (it only moves forward) nor write a second event, and keeping a Redis key per
    /// status of every message for days would cost more than the repeat.
    /// </summary>
    public async Task ProcessStatusAsync(string provider, Func<Task> process)
    {
        await retry.RunAsync(process);
        metrics.Item(provider, "status", "processed");
    }

    /// <summary>
    /// Makes invalid items durable in the rejected-webhook log, counts and logs them. It throws when
    /// the log cannot be written, so the request answers 5xx and the provider retries; the retry
    /// lands on the same rows.
    /// </summary>
    public async Task RecordRejectedAsync(string tenant, Provider provider, IReadOnlyCollection<InvalidItem> items)
    {
        if (items.Count == 0)
        {
            return;
        }

        var now = time.GetUtcNow();
        var rejected = items.Select(item => RejectedWebhook.Create(tenant, provider, item.Kind, item.Code, item.Reason, item.Raw, now)).ToArray();
        await rejectedWebhooks.RecordAsync(rejected);
        foreach (var item in rejected)
        {
            metrics.RejectedItem(item.Provider.ToWireName(), item.Kind, item.Code);
            LogItemRejected(logger, item.Provider.ToWireName(), item.Kind, item.Code, tenant, item.Id);
        }
    }

    public IResult Reject(string provider, string reason, int statusCode, string detail)
    {
        metrics.Rejected(provider, reason);
        LogRejected(logger, provider, reason, statusCode);
        return Results.Problem(detail: detail, statusCode: statusCode, title: reason);
    }

    [LoggerMessage(EventId = 3001, EventName = "WebhookRejected", Level = LogLevel.Information,
        Message = "Rejected {Provider} webhook: {Reason} ({StatusCode})")]
    private static partial void LogRejected(ILogger logger, string provider, string reason, int statusCode);

    // The reason code only: the full reason quotes the offending value (often a phone number).
    [LoggerMessage(EventId = 3003, EventName = "WebhookItemRejected", Level = LogLevel.Warning,
        Message = "Acknowledged but could not use a {Provider} webhook {Kind}: {Reason}; tenant {TenantId}, rejected item {RejectedId} (see ListRejectedWebhooks)")]
    private static partial void LogItemRejected(ILogger logger, string provider, string kind, string reason, string tenantId, string rejectedId);
}
