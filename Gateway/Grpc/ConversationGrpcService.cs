using Engine.Grains.Tenants;
using System.Globalization;
using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Abstractions.Tenants;
using Engine.Gateway.Hosting;
using Engine.Grains.Storage.Messages;
using Google.Protobuf.WellKnownTypes;

namespace Engine.Gateway.Grpc;

/// <summary>engine.v1.ConversationService: sending through conversation grains, reading the message log.</summary>
internal sealed class ConversationGrpcService(
    IClusterClient cluster, IConversationLog conversationLog, TenantCache tenants, IdempotentRetry retry)
    : V1.ConversationService.ConversationServiceBase
{
    [Access(ApiKeyRoles.Messaging)]
    public override async Task<V1.SendMessageResponse> SendMessage(V1.SendMessageRequest request, ServerCallContext context)
    {
        var (phone, channel) = await RequireLeadAsync(request.TenantId, request.Phone, request.WhatsappUserId, request.Channel, link: true);
        var hasTemplate = request.ContentCase == V1.SendMessageRequest.ContentOneofCase.Template;
        if (hasTemplate && request.Media.Count > 0)
        {
            RpcErrors.InvalidArgument("media", "a template cannot carry media; send the media with a body or on its own");
        }

        if (!hasTemplate && request.Body.Length == 0 && request.Media.Count == 0)
        {
            RpcErrors.InvalidArgument("body", "set body (with or without media), media alone, or template (one of content)");
        }

        var media = ValidMedia(request, channel);

        var limit = MessageLimits.MaxBody(channel);
        if (request.Body.Length > limit)
        {
            RpcErrors.InvalidArgument("body", $"has {request.Body.Length} characters; {channel.ToWireName()} allows at most {limit}");
        }

        if (hasTemplate && (request.Template!.Name.Length == 0 || request.Template.Language.Length == 0))
        {
            RpcErrors.InvalidArgument("template", "name and language are required");
        }

        if (request.IdempotencyKey.Length > 200)
        {
            RpcErrors.InvalidArgument("idempotency_key", "is longer than 200 characters");
        }

        var conversation = cluster.GetGrain<IConversationGrain>(GrainKeys.Conversation(request.TenantId, phone, channel));
        var outbound = new OutboundRequest(
            request.IdempotencyKey.Length > 0 ? request.IdempotencyKey : null,
            request.Body.Length > 0 ? request.Body : null,
            hasTemplate ? new TemplateRef(request.Template!.Name, request.Template.Language, request.Template.Parameters.ToArray()) : null,
            request.SendAt?.ToDateTimeOffset(),
            Media: media);
        // Only a keyed send may be repeated: without a key a second attempt could queue a second message.
        var result = outbound.IdempotencyKey is null
            ? await conversation.SendAsync(outbound)
            : await retry.RunAsync(() => conversation.SendAsync(outbound), context.CancellationToken);

        SendRejections.ThrowIfRejected(result);
        return new V1.SendMessageResponse
        {
            MessageId = result.MessageId.ToString(),
            Status = result.Disposition == SendDisposition.Scheduled ? V1.SendStatus.Scheduled : V1.SendStatus.Queued,
            ScheduledFor = result.ScheduledFor is { } at ? Timestamp.FromDateTimeOffset(at) : null,
        };
    }

    [Access(ApiKeyRoles.Messaging)]
    public override async Task<V1.GetConversationResponse> GetConversation(V1.GetConversationRequest request, ServerCallContext context)
    {
        var (phone, channel) = await RequireLeadAsync(request.TenantId, request.Phone, request.WhatsappUserId, request.Channel, link: false);
        var size = Paging.PageSize(request.PageSize);
        var after = request.PageToken.Length == 0 ? (MessageCursor?)null : DecodeMessageCursor(request.PageToken);
        var page = await conversationLog.ReadConversationAsync(request.TenantId, phone, channel, after, size + 1, context.CancellationToken);
        var snapshot = await cluster.GetGrain<IConversationGrain>(GrainKeys.Conversation(request.TenantId, phone, channel)).GetAsync();
        var response = new V1.GetConversationResponse
        {
            Messages = { page.Take(size).Select(ToProto) },
            LastInboundAt = snapshot.LastInboundAt is { } last ? Timestamp.FromDateTimeOffset(last) : null,
        };
        if (page.Count > size)
        {
            var lastShown = page[size - 1];
            response.NextPageToken = Paging.Token(lastShown.OccurredAt.UtcTicks.ToString(CultureInfo.InvariantCulture), lastShown.MessageId.ToString());
        }

        return response;
    }

    [Access(ApiKeyRoles.Messaging)]
    public override async Task<V1.ListConversationsResponse> ListConversations(V1.ListConversationsRequest request, ServerCallContext context)
    {
        await RequestValidation.RequireTenantAsync(tenants, request.TenantId);
        var size = Paging.PageSize(request.PageSize);
        var after = request.PageToken.Length == 0 ? (ConversationCursor?)null : DecodeConversationCursor(request.PageToken);
        var page = await conversationLog.ListConversationsAsync(request.TenantId, after, size + 1, context.CancellationToken);
        var response = new V1.ListConversationsResponse
        {
            Conversations =
            {
                page.Take(size).Select(c => new V1.ConversationSummary
                {
                    Phone = LeadAddress.IsPhoneNumber(c.LeadPhone) ? c.LeadPhone : "",
                    WhatsappUserId = LeadAddress.IsPhoneNumber(c.LeadPhone) ? "" : c.LeadPhone,
                    Channel = LeadMapping.ToProto(c.Channel),
                    LastActivityAt = Timestamp.FromDateTimeOffset(c.LastActivityAt),
                    MessageCount = c.MessageCount,
                }),
            },
        };
        if (page.Count > size)
        {
            var lastShown = page[size - 1];
            response.NextPageToken = Paging.Token(lastShown.LastActivityAt.UtcTicks.ToString(CultureInfo.InvariantCulture), lastShown.LeadPhone, lastShown.Channel.ToWireName());
        }

        return response;
    }

    private async Task<(string Lead, Channel Channel)> RequireLeadAsync(
        string tenantId, string rawPhone, string whatsAppUserId, V1.Channel rawChannel, bool link)
    {
        var channel = RequestValidation.RequireChannel(rawChannel);
        if (whatsAppUserId.Length > 0 && channel != Channel.WhatsApp)
        {
            RpcErrors.InvalidArgument("channel", "a lead named by whatsapp_user_id can be reached on CHANNEL_WHATSAPP only");
        }

        await RequestValidation.RequireTenantAsync(tenants, tenantId);
        return (await RequestValidation.RequireLeadAsync(cluster, tenantId, rawPhone, whatsAppUserId, link), channel);
    }

    private static MediaAttachment[]? ValidMedia(V1.SendMessageRequest request, Channel channel)
    {
        if (request.Media.Count == 0)
        {
            return null;
        }

        var max = OutboundMedia.MaxCount(channel);
        if (request.Media.Count > max)
        {
            RpcErrors.InvalidArgument("media", $"has {request.Media.Count} items; {channel.ToWireName()} allows at most {max}");
        }

        for (var i = 0; i < request.Media.Count; i++)
        {
            var item = request.Media[i];
            if (!Uri.TryCreate(item.Url, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps)
            {
                RpcErrors.InvalidArgument($"media[{i}].url", $"'{item.Url}' is not an absolute https URL");
            }

            if (item.ContentType.Split('/') is not [{ Length: > 0 }, { Length: > 0 }])
            {
                RpcErrors.InvalidArgument($"media[{i}].content_type", $"'{item.ContentType}' is not a type/subtype content type");
            }

            if (item.Filename.Length > 0 && (channel != Channel.WhatsApp || OutboundMedia.WhatsAppType(item.ContentType) != OutboundMedia.WhatsAppNamedType))
            {
                RpcErrors.InvalidArgument($"media[{i}].filename", "only a WhatsApp document is shown under a file name; leave it empty");
            }
        }

        if (channel == Channel.WhatsApp && request.Body.Length > 0 && !OutboundMedia.WhatsAppTakesCaption(OutboundMedia.WhatsAppType(request.Media[0].ContentType)))
        {
            RpcErrors.InvalidArgument("body", "WhatsApp audio takes no caption: send the text as a message of its own");
        }

        return request.Media.Select(m => new MediaAttachment(m.Url, m.ContentType, Filename: m.Filename.Length > 0 ? m.Filename : null)).ToArray();
    }

    private static V1.Message ToProto(MessageRecord m) => new()
    {
        MessageId = m.MessageId.ToString(),
        Direction = m.Direction.ToWireName(),
        Provider = m.Provider.ToWireName(),
        ProviderMessageId = m.ProviderMessageId ?? "",
        MessageType = m.MessageType,
        Body = m.Body ?? "",
        Status = m.Status.ToWireName(),
        ErrorCode = m.ErrorCode ?? "",
        OccurredAt = Timestamp.FromDateTimeOffset(m.OccurredAt),
        Media =
        {
            (m.Media ?? []).Select(a => new V1.MediaAttachment
            {
                Url = a.Url ?? "", ContentType = a.ContentType ?? "", ProviderMediaId = a.ProviderMediaId ?? "",
                Caption = a.Caption ?? "", Sha256 = a.Sha256 ?? "", Filename = a.Filename ?? "",
            }),
        },
    };

    private static MessageCursor DecodeMessageCursor(string token)
    {
        var parts = Paging.Parts(token, 2);
        return long.TryParse(parts[0], CultureInfo.InvariantCulture, out var ticks) && Guid.TryParse(parts[1], out var id)
            ? new MessageCursor(new DateTimeOffset(ticks, TimeSpan.Zero), id)
            : Paging.InvalidToken<MessageCursor>();
    }

    private static ConversationCursor DecodeConversationCursor(string token)
    {
        var parts = Paging.Parts(token, 3);
        return long.TryParse(parts[0], CultureInfo.InvariantCulture, out var ticks) && ChannelNames.TryParse(parts[2], out var channel)
            ? new ConversationCursor(new DateTimeOffset(ticks, TimeSpan.Zero), parts[1], channel)
            : Paging.InvalidToken<ConversationCursor>();
    }
}
