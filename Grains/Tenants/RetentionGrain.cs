using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Events;
using Engine.Grains.Policies;
using Engine.Grains.Storage.Retention;
using Microsoft.Extensions.DependencyInjection;

namespace Engine.Grains.Tenants;

/// <summary>
/// One tenant's purge. A reminder, so exactly one silo runs it at a time and it survives restarts;
/// each run does a bounded number of batches and leaves the rest to the next tick.
/// </summary>
[GrainType("retention")]
internal sealed partial class RetentionGrain(
    IMessageRetention retention, TenantCache tenants, IServiceProvider services, TimeProvider time, ILogger<RetentionGrain> logger)
    : Grain, IRetentionGrain, IRemindable
{
    private const string Reminder = "purge";
    private const int BatchSize = 500;
    private const int MaxBatchesPerRun = 100;
    private static readonly TimeSpan Period = TimeSpan.FromHours(1);

    private readonly RedisEventBus? _bus = services.GetService<RedisEventBus>();

    private string TenantId => this.GetPrimaryKeyString();

    public async Task PurgeAsync()
    {
        var tenant = await tenants.GetAsync(TenantId, fresh: true);
        var cutoffs = RetentionPolicy.CutoffsAt(time.GetUtcNow(), tenant.Settings?.Retention);
        var reminder = await this.GetReminder(Reminder);
        if (!cutoffs.RemovesAnything)
        {
            if (reminder is not null)
            {
                await this.UnregisterReminder(reminder);
            }

            return;
        }

        if (reminder is null)
        {
            await this.RegisterOrUpdateReminder(Reminder, Period, Period);
        }

        var (blanked, deleted) = (0, 0);
        for (var batch = 0; batch < MaxBatchesPerRun; batch++)
        {
            var bodies = cutoffs.BodiesBefore is { } bodiesBefore
                ? await retention.BlankBodiesAsync(TenantId, bodiesBefore, BatchSize)
                : new BodyPurge(0, 0, 0);
            var rows = cutoffs.MessagesBefore is { } messagesBefore ? await retention.DeleteMessagesAsync(TenantId, messagesBefore, BatchSize) : 0;
            if (bodies.LastEventCursor > 0 && _bus is not null)
            {
                // The stream's copies still carry the bodies; readers of older cursors go to PostgreSQL.
                await _bus.TrimThroughAsync(TenantId, bodies.LastEventCursor);
            }

            (blanked, deleted) = (blanked + bodies.Messages, deleted + rows);
            if (bodies.Done && rows == 0)
            {
                break;
            }
        }

        if (blanked + deleted > 0)
        {
            LogPurged(logger, TenantId, blanked, deleted);
        }
    }

    public Task ReceiveReminder(string reminderName, TickStatus status) => PurgeAsync();

    [LoggerMessage(EventId = 2601, EventName = "RetentionPurged", Level = LogLevel.Information,
        Message = "Retention for tenant {TenantId}: blanked {Bodies} message bodies, deleted {Rows} message rows")]
    private static partial void LogPurged(ILogger logger, string tenantId, int bodies, int rows);
}
