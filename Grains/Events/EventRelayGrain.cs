using Engine.Grains.Abstractions.Events;
using Microsoft.Extensions.DependencyInjection;

namespace Engine.Grains.Events;

/// <summary>
/// Publishes a tenant's events: assigns cursors in commit order in PostgreSQL, then adds them to the
/// Redis stream. After a restart it first re-publishes what PostgreSQL has beyond the stream's end, so
/// a crash between the two steps loses nothing. A one-second timer catches pokes that arrived while a
/// batch was being published.
/// </summary>
[GrainType("event-relay")]
internal sealed partial class EventRelayGrain(IEventLog events, IServiceProvider services, ILogger<EventRelayGrain> logger) : Grain, IEventRelayGrain
{
    private const int BatchSize = 500;
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);

    private readonly RedisEventBus? _bus = services.GetService<RedisEventBus>();
    private long _lastCursor;
    private bool _busCaughtUp;
    private IGrainTimer? _soon;

    private string TenantId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(_ => PublishAsync(), new GrainTimerCreationOptions(SweepInterval, SweepInterval) { KeepAlive = false });
        return Task.CompletedTask;
    }

    public Task PokeAsync()
    {
        _soon ??= this.RegisterGrainTimer(async _ =>
        {
            _soon?.Dispose();
            _soon = null;
            await PublishAsync();
        }, new GrainTimerCreationOptions(TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        return Task.CompletedTask;
    }

    public Task<long> GetLastCursorAsync() => Task.FromResult(_lastCursor);

    private async Task PublishAsync()
    {
        try
        {
            if (_bus is not null && !_busCaughtUp)
            {
                await CatchUpBusAsync(_bus);
            }

            while (true)
            {
                var batch = await events.AssignCursorsAsync(TenantId, BatchSize);
                if (batch.Count == 0)
                {
                    return;
                }

                _lastCursor = batch[^1].Cursor;
                if (_bus is not null)
                {
                    _busCaughtUp = false; // until this batch is in the stream
                    await _bus.PublishAsync(TenantId, batch);
                    _busCaughtUp = true;
                }
            }
        }
        catch (Exception e) when (e is StackExchange.Redis.RedisException or Npgsql.NpgsqlException)
        {
            LogPublishFailed(logger, TenantId, e.Message); // the next poke or sweep picks up from the record
        }
    }

    private async Task CatchUpBusAsync(RedisEventBus bus)
    {
        var published = await bus.LastCursorAsync(TenantId);
        while (true)
        {
            var missing = await events.ReadAsync(TenantId, published, BatchSize);
            if (missing.Count == 0)
            {
                break;
            }

            await bus.PublishAsync(TenantId, missing);
            published = missing[^1].Cursor;
            _lastCursor = Math.Max(_lastCursor, published);
        }

        _busCaughtUp = true;
    }

    [LoggerMessage(EventId = 2401, EventName = "EventPublishFailed", Level = LogLevel.Warning,
        Message = "Publishing events of tenant {TenantId} failed, will retry: {Reason}")]
    private static partial void LogPublishFailed(ILogger logger, string tenantId, string reason);
}
