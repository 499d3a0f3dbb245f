using Engine.Grains.Tenants;
using System.Globalization;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Abstractions.Tenants;
using Google.Protobuf.WellKnownTypes;
using Engine.Grains.Storage.RejectedWebhooks;

namespace Engine.Gateway.Grpc;

/// <summary>engine.v1.WebhookService: what the webhook endpoints acknowledged but could not use.</summary>
internal sealed class WebhookGrpcService(IRejectedWebhookLog rejectedWebhooks, TenantCache tenants)
    : V1.WebhookService.WebhookServiceBase
{
    [Access(ApiKeyRoles.Admin)]
    public override async Task<V1.ListRejectedWebhooksResponse> ListRejectedWebhooks(V1.ListRejectedWebhooksRequest request, ServerCallContext context)
    {
        await RequestValidation.RequireTenantAsync(tenants, request.TenantId);

        var size = Paging.PageSize(request.PageSize);
        var after = request.PageToken.Length == 0 ? (RejectedWebhookCursor?)null : DecodeCursor(request.PageToken);
        var page = await rejectedWebhooks.ListAsync(request.TenantId, after, size + 1, context.CancellationToken);
        var response = new V1.ListRejectedWebhooksResponse { Items = { page.Take(size).Select(ToProto) } };
        if (page.Count > size)
        {
            var lastShown = page[size - 1];
            response.NextPageToken = Paging.Token(lastShown.ReceivedAt.UtcTicks.ToString(CultureInfo.InvariantCulture), lastShown.Id);
        }

        return response;
    }

    private static V1.RejectedWebhook ToProto(RejectedWebhook item) => new()
    {
        Id = item.Id,
        Provider = item.Provider.ToWireName(),
        Kind = item.Kind,
        Code = item.Code,
        Reason = item.Reason,
        Raw = item.Raw,
        RawTruncated = item.RawTruncated,
        ReceivedAt = Timestamp.FromDateTimeOffset(item.ReceivedAt),
    };

    private static RejectedWebhookCursor DecodeCursor(string token)
    {
        var parts = Paging.Parts(token, 2);
        return long.TryParse(parts[0], CultureInfo.InvariantCulture, out var ticks) && parts[1].Length > 0
            ? new RejectedWebhookCursor(new DateTimeOffset(ticks, TimeSpan.Zero), parts[1])
            : Paging.InvalidToken<RejectedWebhookCursor>();
    }
}
