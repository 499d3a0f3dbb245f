using Engine.Grains.Abstractions;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using Engine.Grains.Options;
using Microsoft.Extensions.Options;
using Engine.Grains.Tenants;
using System.Security.Cryptography;
using Engine.Grains.Abstractions.Events;
using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Events;
using Engine.Grains.Storage.Audit;
using Google.Protobuf.WellKnownTypes;
using Engine.Grains.Storage.DeadLetters;

namespace Engine.Gateway.Grpc;

/// <summary>engine.v1.PartnerWebhookService: subscriptions on the tenant grain, delivery on partner-webhook grains.</summary>
internal sealed class PartnerWebhookGrpcService(
    IClusterClient cluster, IDeadLetterStore deadLetters, TenantCache tenants, IOptions<EngineSettings> settings, TimeProvider time, AuditTrail audit)
    : V1.PartnerWebhookService.PartnerWebhookServiceBase
{
    [Access(ApiKeyRoles.Admin)]
    public override async Task<V1.CreateSubscriptionResponse> CreateSubscription(V1.CreateSubscriptionRequest request, ServerCallContext context)
    {
        await RequireTenantAsync(request.TenantId);
        if (!Uri.TryCreate(request.Url, UriKind.Absolute, out var url) || (url.Scheme != Uri.UriSchemeHttps && url.Scheme != Uri.UriSchemeHttp))
        {
            RpcErrors.InvalidArgument("url", $"'{request.Url}' is not an absolute http(s) URL");
        }

        if (!settings.Value.AllowPrivateWebhookTargets)
        {
            await RequirePublicAsync(url, context.CancellationToken);
        }

        if (request.EventTypes.FirstOrDefault(t => !EventTypes.All.Contains(t)) is { } unknown)
        {
            RpcErrors.InvalidArgument("event_types", $"'{unknown}' is not an event type");
        }

        var subscription = new WebhookSubscription(
            Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8)), request.Url, request.EventTypes.ToArray(),
            StandardWebhookSignature.NewSecret(), time.GetUtcNow());
        await cluster.GetGrain<ITenantGrain>(request.TenantId).AddWebhookSubscriptionAsync(subscription);
        await audit.RecordAsync(context, request.TenantId, AuditActions.WebhookSubscribed, subscription.SubscriptionId, $"url: {request.Url}");
        return new V1.CreateSubscriptionResponse { Subscription = await ToProtoAsync(request.TenantId, subscription), Secret = subscription.Secret };
    }

    [Access(ApiKeyRoles.Admin)]
    public override async Task<V1.ListSubscriptionsResponse> ListSubscriptions(V1.ListSubscriptionsRequest request, ServerCallContext context)
    {
        var tenant = await RequireTenantAsync(request.TenantId);
        var (page, next) = Paging.InOrderOf(tenant.WebhookSubscriptions, s => s.SubscriptionId, request.PageSize, request.PageToken);
        var response = new V1.ListSubscriptionsResponse { NextPageToken = next };
        foreach (var subscription in page)
        {
            response.Subscriptions.Add(await ToProtoAsync(request.TenantId, subscription));
        }

        return response;
    }

    [Access(ApiKeyRoles.Admin)]
    public override async Task<V1.DeleteSubscriptionResponse> DeleteSubscription(V1.DeleteSubscriptionRequest request, ServerCallContext context)
    {
        await RequireTenantAsync(request.TenantId);
        var deleted = await cluster.GetGrain<ITenantGrain>(request.TenantId).RemoveWebhookSubscriptionAsync(request.SubscriptionId);
        if (deleted)
        {
            await audit.RecordAsync(context, request.TenantId, AuditActions.WebhookUnsubscribed, request.SubscriptionId);
        }

        return new V1.DeleteSubscriptionResponse { Deleted = deleted };
    }

    [Access(ApiKeyRoles.Admin)]
    public override async Task<V1.ListDeadLettersResponse> ListDeadLetters(V1.ListDeadLettersRequest request, ServerCallContext context)
    {
        await RequireTenantAsync(request.TenantId);
        var size = Paging.PageSize(request.PageSize);
        var after = request.PageToken.Length == 0 ? (DeadLetterCursor?)null : DecodeCursor(request.PageToken);
        var letters = await deadLetters.ListAsync(request.TenantId, after, size + 1, context.CancellationToken);
        var response = new V1.ListDeadLettersResponse
        {
            DeadLetters =
            {
                letters.Take(size).Select(l => new V1.DeadLetter
                {
                    SubscriptionId = l.SubscriptionId, Cursor = l.Cursor, EventId = l.EventId, EventType = l.EventType, Attempts = l.Attempts,
                    LastError = l.LastError ?? "", FirstFailedAt = Timestamp.FromDateTimeOffset(l.FirstFailedAt), ParkedAt = Timestamp.FromDateTimeOffset(l.ParkedAt),
                }),
            },
        };
        if (letters.Count > size)
        {
            var lastShown = letters[size - 1];
            response.NextPageToken = Paging.Token(
                lastShown.ParkedAt.UtcTicks.ToString(CultureInfo.InvariantCulture), lastShown.Cursor.ToString(CultureInfo.InvariantCulture), lastShown.SubscriptionId);
        }

        return response;
    }

    private static DeadLetterCursor DecodeCursor(string token)
    {
        var parts = Paging.Parts(token, 3);
        return long.TryParse(parts[0], CultureInfo.InvariantCulture, out var ticks) && long.TryParse(parts[1], CultureInfo.InvariantCulture, out var cursor)
            ? new DeadLetterCursor(new DateTimeOffset(ticks, TimeSpan.Zero), cursor, parts[2])
            : Paging.InvalidToken<DeadLetterCursor>();
    }

    private async Task<V1.Subscription> ToProtoAsync(string tenantId, WebhookSubscription subscription)
    {
        var status = await cluster.GetGrain<IPartnerWebhookGrain>(GrainKeys.PartnerWebhook(tenantId, subscription.SubscriptionId)).GetStatusAsync();
        return new V1.Subscription
        {
            SubscriptionId = subscription.SubscriptionId,
            Url = subscription.Url,
            EventTypes = { subscription.EventTypes },
            CreatedAt = Timestamp.FromDateTimeOffset(subscription.CreatedAt),
            DeliveredUpTo = status.DeliveredUpTo,
            FailedAttempts = status.FailedAttempts,
            LastError = status.LastError ?? "",
        };
    }

    // Delivery checks again on every connection; this check tells the tenant now rather than in dead letters.
    private static async Task RequirePublicAsync(Uri url, CancellationToken cancellationToken)
    {
        IPAddress? internalAddress = null;
        try
        {
            internalAddress = await PartnerWebhookTargets.FindInternalAddressAsync(url.DnsSafeHost, cancellationToken);
        }
        catch (SocketException)
        {
            RpcErrors.InvalidArgument("url", $"'{url.Host}' does not resolve");
        }

        if (internalAddress is not null)
        {
            RpcErrors.InvalidArgument("url", $"'{url.Host}' is or resolves to {internalAddress}, an internal address (loopback, private, link-local or similar); partner webhooks must reach a public address");
        }
    }

    private Task<TenantSnapshot> RequireTenantAsync(string tenantId) => RequestValidation.RequireTenantAsync(tenants, tenantId, fresh: true);
}
