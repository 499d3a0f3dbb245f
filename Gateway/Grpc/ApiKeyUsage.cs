using System.Collections.Concurrent;
using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Policies;

namespace Engine.Gateway.Grpc;

/// <summary>
/// Reports each tenant key's use to its tenant grain at most once a minute from this gateway
/// (<see cref="ApiKeyUsePolicy"/>), off the call's path: a report that fails is logged and the next
/// minute's report makes up for it.
/// </summary>
internal sealed partial class ApiKeyUsage(IClusterClient cluster, ILogger<ApiKeyUsage> logger)
{
    private readonly ConcurrentDictionary<(string TenantId, string KeyId), DateTimeOffset> _reported = new();

    public void Used(string tenantId, string keyId, DateTimeOffset now)
    {
        var key = (tenantId, keyId);
        var last = _reported.TryGetValue(key, out var reported) ? reported : (DateTimeOffset?)null;
        // TryUpdate/TryAdd: of concurrent calls in the same minute, one reports.
        if (!ApiKeyUsePolicy.IsWorthRecording(last, now) || !(last is { } previous ? _reported.TryUpdate(key, now, previous) : _reported.TryAdd(key, now)))
        {
            return;
        }

        _ = ReportAsync(tenantId, keyId, now);
    }

    private async Task ReportAsync(string tenantId, string keyId, DateTimeOffset now)
    {
        try
        {
            await cluster.GetGrain<ITenantGrain>(tenantId).RecordApiKeyUseAsync(keyId, now);
        }
        catch (Exception e)
        {
            LogReportFailed(logger, e, tenantId, keyId);
        }
    }

    [LoggerMessage(EventId = 3401, EventName = "ApiKeyUseNotRecorded", Level = LogLevel.Warning,
        Message = "Could not record the use of API key {KeyId} of tenant {TenantId}")]
    private static partial void LogReportFailed(ILogger logger, Exception exception, string tenantId, string keyId);
}
