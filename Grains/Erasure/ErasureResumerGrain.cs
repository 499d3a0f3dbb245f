using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Erasure;

namespace Engine.Grains.Erasure;

/// <summary>Finishes erasures a crash interrupted. Key: 0 (one per cluster).</summary>
[Alias("engine.erasure-resumer")]
public interface IErasureResumerGrain : IGrainWithIntegerKey
{
    /// <summary>An erasure is starting: keep the reminder that resumes unfinished ones.</summary>
    [Alias("watch"), AlwaysInterleave] // called by erasure grains this one may be waiting on
    Task WatchAsync();
}

/// <summary>
/// A reminder (durable, on PostgreSQL) that ticks while any erasure job is unfinished and hands each
/// one older than a tick back to its erasure grain; it unregisters itself once none is left. Its grain
/// id holds no address: the jobs are read from the job table.
/// </summary>
[GrainType("erasure-resumer")]
internal sealed partial class ErasureResumerGrain(IErasureJobs jobs, TimeProvider time, ILogger<ErasureResumerGrain> logger)
    : Grain, IErasureResumerGrain, IRemindable
{
    private const string ResumeReminder = "resume-erasures";
    private static readonly TimeSpan Period = TimeSpan.FromMinutes(1);
    private bool _watching;

    public async Task WatchAsync()
    {
        if (!_watching)
        {
            await this.RegisterOrUpdateReminder(ResumeReminder, Period, Period);
            _watching = true;
        }
    }

    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        // Jobs younger than a period are most likely still running in their grain.
        var unfinished = await jobs.ListUnfinishedAsync(time.GetUtcNow() - Period, limit: 100);
        foreach (var job in unfinished)
        {
            try
            {
                await GrainFactory.GetGrain<ILeadErasureGrain>(GrainKeys.Lead(job.TenantId, job.LeadAddress!)).EraseAsync(job.RequestedBy);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                LogResumeFailed(logger, job.TenantId, job.AddressHash, e.GetType().Name, e.Message);
            }
        }

        if (unfinished.Count == 0 && await this.GetReminder(ResumeReminder) is { } reminder)
        {
            await this.UnregisterReminder(reminder);
            _watching = false;
        }
    }

    [LoggerMessage(EventId = 2603, EventName = "ErasureResumeFailed", Level = LogLevel.Warning,
        Message = "Resuming erasure {ErasureId} of tenant {TenantId} failed, will retry: {ErrorType}: {Reason}")]
    private static partial void LogResumeFailed(ILogger logger, string tenantId, string erasureId, string errorType, string reason);
}
