using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Delivery;
using Engine.Grains.Abstractions.Events;
using Engine.Grains.Options;
using Engine.Grains.Storage.Outbox;
using Engine.Grains.Storage.Events;
using Microsoft.Extensions.Options;

namespace Engine.Grains.Delivery;

/// <summary>
/// Wakes the sender of every channel with queued messages and the relay of every tenant with
/// unpublished events: when the silo starts, so a restart resumes at once, and then every
/// <see cref="EngineSettings.OutboxSweepInterval"/>, so a message whose one-way enqueue was lost (the
/// sender's silo died during the call) does not wait for the channel's next message, which may never
/// come. Harmless when several silos do it: a sender already on its way ignores the call.
/// </summary>
internal sealed partial class OutboxSweep(IOutbox outbox, IEventLog events, IGrainFactory grains, IOptions<EngineSettings> settings, ILogger<OutboxSweep> logger)
    : ILifecycleParticipant<ISiloLifecycle>, IDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task _sweeping = Task.CompletedTask;

    public void Participate(ISiloLifecycle lifecycle) =>
        lifecycle.Subscribe(nameof(OutboxSweep), ServiceLifecycleStage.Active, OnStartAsync, OnStopAsync);

    public void Dispose() => _stopping.Dispose();

    private Task OnStartAsync(CancellationToken cancellationToken)
    {
        _sweeping = Task.Run(() => SweepEveryIntervalAsync(_stopping.Token), CancellationToken.None);
        return Task.CompletedTask;
    }

    private async Task OnStopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync();
        await _sweeping.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    private async Task SweepEveryIntervalAsync(CancellationToken stopping)
    {
        using var timer = new PeriodicTimer(settings.Value.OutboxSweepInterval);
        try
        {
            do
            {
                await SweepAsync(stopping);
            }
            while (await timer.WaitForNextTickAsync(stopping));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
        }
    }

    private async Task SweepAsync(CancellationToken stopping)
    {
        try
        {
            var failed = 0;
            foreach (var (tenantId, channel) in await outbox.ListQueuedChannelsAsync(stopping))
            {
                failed += await SucceedsAsync(() => grains.GetGrain<ISenderGrain>(GrainKeys.Sender(tenantId, channel)).WakeAsync()) ? 0 : 1;
            }

            foreach (var tenantId in await events.TenantsWithUnpublishedAsync(stopping))
            {
                failed += await SucceedsAsync(() => grains.GetGrain<IEventRelayGrain>(tenantId).PokeAsync()) ? 0 : 1;
            }

            if (failed > 0)
            {
                LogWakeFailed(logger, failed, settings.Value.OutboxSweepInterval);
            }
        }
        catch (Exception e) when (e is not OperationCanceledException || !stopping.IsCancellationRequested)
        {
            LogSweepFailed(logger, e.Message, settings.Value.OutboxSweepInterval); // the database is away: next time
        }
    }

    // One grain that cannot be reached (its silo just died) must not keep the others asleep.
    private static async Task<bool> SucceedsAsync(Func<Task> wake)
    {
        try
        {
            await wake();
            return true;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return false;
        }
    }

    [LoggerMessage(EventId = 2211, EventName = "OutboxWakeFailed", Level = LogLevel.Warning,
        Message = "{Count} senders or relays with waiting work could not be woken; the sweep tries again in {Interval}")]
    private static partial void LogWakeFailed(ILogger logger, int count, TimeSpan interval);

    [LoggerMessage(EventId = 2212, EventName = "OutboxSweepFailed", Level = LogLevel.Warning,
        Message = "Could not look for queued messages and unpublished events ({Reason}); the sweep tries again in {Interval}")]
    private static partial void LogSweepFailed(ILogger logger, string reason, TimeSpan interval);
}
