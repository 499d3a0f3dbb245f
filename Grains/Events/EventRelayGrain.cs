using System.Diagnostics;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Events;
using Engine.Grains.Telemetry;
using Engine.Grains.Tenants;
using Microsoft.Extensions.DependencyInjection;
using Engine.Grains.Storage.Events;

namespace Engine.Grains.Events;

/// <summary>
/// Publishes a tenant's events: assigns cursors in commit order in PostgreSQL, adds them to the Redis
/// stream, then pokes the tenant's partner webhooks. After a restart, or after any failure on that
/// path, it first re-publishes what PostgreSQL has beyond the stream's end, so nothing newer enters the
/// stream ahead of an assigned batch (a reader of Redis would skip its cursors). While Redis cannot be
/// reached it goes on assigning cursors, and subscribers read them from PostgreSQL. A one-second timer
/// catches pokes that arrived while a batch was being published. Each batch is a span of its own trace
/// ("event-relay publish"), linked to the writes that poked it; partner deliveries it pokes run under it.
/// </summary>
[GrainType("event-relay")]
internal sealed partial class EventRelayGrain(IEventLog events, TenantCache tenants, IServiceProvider services, ILogger<EventRelayGrain> logger)
    : Grain, IEventRelayGrain
{
    private const int BatchSize = 500;
    private const int MaxLinks = 32;
    private static readonly TimeSpan SweepInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan FullScanInterval = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan RedisRetry = TimeSpan.FromSeconds(2);

    // Every silo pokes after its writes, so under load turns ran back to back with a few events each,
    // and each turn is a transaction of its own. Spaced a little, a turn takes what the gap gathered.
    private static readonly TimeSpan MinimumTurnGap = TimeSpan.FromMilliseconds(25);
    private DateTimeOffset _lastTurn = DateTimeOffset.MinValue;

    // Scans for unpublished events start a little below the highest sequence already published: a
    // write still in flight holds a slightly lower sequence and commits a moment later. Starting there
    // keeps each scan short (published rows leave dead index entries until vacuum); a periodic full
    // scan from zero catches any straggler beyond the margin.
    private const long SequenceMargin = 10_000;
    private long _maxSequence;
    private DateTimeOffset _lastFullScan = DateTimeOffset.MinValue;

    private readonly RedisEventBus? _bus = services.GetService<RedisEventBus>();
    private bool _busCaughtUp;
    private DateTimeOffset _busRetryAt;
    private IGrainTimer? _soon;
    private readonly List<ActivityLink> _pokedBy = []; // the writes that poked since the last publishing turn, while tracing

    private string TenantId => this.GetPrimaryKeyString();

    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        this.RegisterGrainTimer(_ => PublishAsync(), new GrainTimerCreationOptions(SweepInterval, SweepInterval) { KeepAlive = false });
        return Task.CompletedTask;
    }

    public Task PokeAsync()
    {
        if (Activity.Current is { } writer && _pokedBy.Count < MaxLinks)
        {
            _pokedBy.Add(new ActivityLink(writer.Context));
        }

        var wait = _lastTurn + MinimumTurnGap - DateTimeOffset.UtcNow;
        _soon ??= this.RegisterGrainTimer(async _ =>
        {
            _soon?.Dispose();
            _soon = null;
            await PublishAsync();
        }, new GrainTimerCreationOptions(wait > TimeSpan.Zero ? wait : TimeSpan.Zero, Timeout.InfiniteTimeSpan));
        return Task.CompletedTask;
    }

    // Runs between publishing turns (the grain is not reentrant), so a batch that was being added to
    // the stream when its rows were erased is in the stream by now, and is deleted here too.
    public async Task<int> ForgetAsync(IReadOnlyList<long> cursors) => _bus is null ? 0 : await _bus.DeleteAsync(TenantId, cursors);

    private async Task PublishAsync()
    {
        // Pokes wait between turns, so their events are published in this one: its first batch links them.
        ActivityLink[] pokedBy = [.. _pokedBy];
        _pokedBy.Clear();
        _lastTurn = DateTimeOffset.UtcNow;
        try
        {
            // Cursors are assigned in PostgreSQL whether or not Redis answers: subscribers read PostgreSQL
            // while the stream is behind, so a Redis outage delays no event.
            var bus = _bus is not null && await TryCatchUpBusAsync(_bus) ? _bus : null;

            var now = DateTimeOffset.UtcNow;
            var fromSequence = now - _lastFullScan > FullScanInterval ? 0 : Math.Max(0, _maxSequence - SequenceMargin);
            if (fromSequence == 0)
            {
                _lastFullScan = now;
            }

            while (true)
            {
                var (batch, maxSequence) = await events.AssignCursorsAsync(TenantId, fromSequence, BatchSize);
                if (batch.Count == 0)
                {
                    return;
                }

                _maxSequence = Math.Max(_maxSequence, maxSequence);
                using var activity = EngineTelemetry.StartRoot("event-relay publish", ActivityKind.Producer, pokedBy);
                activity?.SetTag(EngineTelemetry.TenantId, TenantId).SetTag(EngineTelemetry.EventCount, batch.Count);
                pokedBy = [];

                if (bus is not null && !await TryPublishAsync(bus, batch))
                {
                    bus = null; // not again this turn: the next one catches the stream up first
                }

                await PokeSubscriptionsAsync();
                if (batch.Count < BatchSize)
                {
                    return; // that was everything waiting; a write committed since then pokes again
                }
            }
        }
        catch (Exception e)
        {
            // Whatever failed (Redis, PostgreSQL, a poked grain whose silo just died), the stream may now
            // be behind the record; the next poke or sweep re-publishes from the record before anything newer.
            _busCaughtUp = false;
            if (e is not (StackExchange.Redis.RedisException or Npgsql.NpgsqlException or OrleansException or TimeoutException))
            {
                throw; // a bug, not an outage: let Orleans log it with its stack
            }

            LogPublishFailed(logger, TenantId, e.GetType().Name, e.Message);
        }
    }

    // Partner webhooks learn of new events at once rather than at their next sweep.
    private async Task PokeSubscriptionsAsync()
    {
        foreach (var subscription in (await tenants.GetAsync(TenantId)).WebhookSubscriptions)
        {
            await GrainFactory.GetGrain<IPartnerWebhookGrain>(GrainKeys.PartnerWebhook(TenantId, subscription.SubscriptionId)).PokeAsync();
        }
    }

    // False while Redis cannot be reached; after a failure it is tried again only once RedisRetry has passed,
    // so an outage does not hold every publishing turn for the client's timeout.
    private async Task<bool> TryCatchUpBusAsync(RedisEventBus bus)
    {
        if (_busCaughtUp)
        {
            return true;
        }

        if (DateTimeOffset.UtcNow < _busRetryAt)
        {
            return false;
        }

        try
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
            }

            _busCaughtUp = true;
        }
        catch (Exception e) when (RedisOutage.Is(e))
        {
            BusFailed(e);
        }

        return _busCaughtUp;
    }

    private async Task<bool> TryPublishAsync(RedisEventBus bus, IReadOnlyList<EngineEvent> batch)
    {
        _busCaughtUp = false; // until this batch is in the stream
        try
        {
            await bus.PublishAsync(TenantId, batch);
            _busCaughtUp = true;
        }
        catch (Exception e) when (RedisOutage.Is(e))
        {
            BusFailed(e);
        }

        return _busCaughtUp;
    }

    private void BusFailed(Exception e)
    {
        _busRetryAt = DateTimeOffset.UtcNow + RedisRetry;
        LogPublishFailed(logger, TenantId, e.GetType().Name, e.Message);
    }

    [LoggerMessage(EventId = 2401, EventName = "EventPublishFailed", Level = LogLevel.Warning,
        Message = "Publishing events of tenant {TenantId} failed, will retry: {ErrorType}: {Reason}")]
    private static partial void LogPublishFailed(ILogger logger, string tenantId, string errorType, string reason);
}
