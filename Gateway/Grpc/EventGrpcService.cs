using Engine.Grains.Tenants;
using Engine.Grains.Abstractions.Events;
using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Events;
using Google.Protobuf.WellKnownTypes;
using Engine.Grains.Storage.Events;

namespace Engine.Gateway.Grpc;

/// <summary>
/// engine.v1.EventService: a tenant's events from a cursor on. Reads the Redis stream while it still
/// holds the next cursor, and PostgreSQL (the record) for anything older, so any cursor can resume.
/// </summary>
internal sealed class EventGrpcService(
    IEventLog eventLog, CallerAuthentication authentication, TenantCache tenants, TimeProvider time, IHostApplicationLifetime lifetime, IServiceProvider services)
    : V1.EventService.EventServiceBase
{
    private const int PageSize = 500;
    private static readonly TimeSpan IdleWait = TimeSpan.FromMilliseconds(250);

    // A stream outlives the key check at its start; a revoked key ends it within this (plus the key cache).
    private static readonly TimeSpan KeyRecheck = TimeSpan.FromSeconds(2);

    private readonly RedisEventBus? _bus = services.GetService<RedisEventBus>();

    [Access(ApiKeyRoles.EventsRead)]
    public override async Task Subscribe(V1.SubscribeRequest request, IServerStreamWriter<V1.Event> responseStream, ServerCallContext context)
    {
        if (request.AfterCursor < 0)
        {
            RpcErrors.InvalidArgument("after_cursor", "cannot be negative");
        }

        if (request.EventTypes.FirstOrDefault(t => !EventTypes.All.Contains(t)) is { } unknown)
        {
            RpcErrors.InvalidArgument("event_types", $"'{unknown}' is not an event type ({string.Join(", ", EventTypes.All.Order())})");
        }

        await RequestValidation.RequireTenantAsync(tenants, request.TenantId);

        var wanted = request.EventTypes.ToHashSet(StringComparer.Ordinal);
        var cursor = request.AfterCursor;
        // A stream would hold a graceful shutdown until its timeout: it ends when the gateway stops.
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(context.CancellationToken, lifetime.ApplicationStopping);
        var cancellation = stopping.Token;
        var nextKeyCheck = time.GetUtcNow() + KeyRecheck;
        while (!cancellation.IsCancellationRequested)
        {
            if (time.GetUtcNow() >= nextKeyCheck)
            {
                await authentication.RequireKeyStillValidAsync(context);
                nextKeyCheck = time.GetUtcNow() + KeyRecheck;
            }

            var page = (_bus is null ? null : await _bus.ReadAfterAsync(request.TenantId, cursor, PageSize))
                ?? await eventLog.ReadAsync(request.TenantId, cursor, PageSize, cancellation);
            if (page.Count == 0)
            {
                await WaitAsync(request.TenantId, cancellation);
                continue;
            }

            foreach (var evt in page)
            {
                if (wanted.Count == 0 || wanted.Contains(evt.Type))
                {
                    await responseStream.WriteAsync(ToProto(evt), cancellation);
                }

                cursor = evt.Cursor;
            }
        }

        if (lifetime.ApplicationStopping.IsCancellationRequested && !context.CancellationToken.IsCancellationRequested)
        {
            RpcErrors.ShuttingDown();
        }
    }

    private async Task WaitAsync(string tenantId, CancellationToken cancellation)
    {
        try
        {
            await (_bus is null ? Task.Delay(IdleWait, cancellation) : _bus.WaitAsync(tenantId, IdleWait, cancellation));
        }
        catch (OperationCanceledException) when (cancellation.IsCancellationRequested)
        {
        }
    }

    internal static V1.Event ToProto(EngineEvent evt) => new()
    {
        Cursor = evt.Cursor,
        Id = evt.EventId,
        Type = evt.Type,
        Subject = evt.Subject,
        Time = Timestamp.FromDateTimeOffset(evt.OccurredAt),
        CloudEvent = CloudEventEnvelope.ToJson(evt),
    };
}
