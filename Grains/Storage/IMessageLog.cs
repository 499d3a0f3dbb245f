using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Delivery;
using Engine.Grains.Abstractions.Messages;

namespace Engine.Grains.Storage;

/// <summary>The durable record of every message. Writes are idempotent, so any of them may be retried.</summary>
public interface IMessageLog
{
    /// <summary>Inserts the record unless its id or its provider message id is already stored.</summary>
    Task<bool> TryAppendAsync(MessageRecord record, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a message's status forward when <paramref name="status"/> ranks higher than the stored one;
    /// returns the message id when it moved, null when the report was stale, repeated or unknown.
    /// </summary>
    Task<Guid?> AdvanceStatusAsync(
        string tenantId, Provider provider, string providerMessageId, DeliveryStatus status, string? errorCode,
        CancellationToken cancellationToken = default);

    /// <summary>Moves the status of a message the engine created, by its id; same forward-only rule.</summary>
    Task<bool> AdvanceStatusByIdAsync(Guid messageId, DeliveryStatus status, CancellationToken cancellationToken = default);

    /// <summary>When the lead last wrote on this channel, or null if never.</summary>
    Task<DateTimeOffset?> LastInboundAtAsync(string tenantId, string leadPhone, Channel channel, CancellationToken cancellationToken = default);

    /// <summary>Queued outbound messages of a tenant's channel, oldest first.</summary>
    Task<IReadOnlyList<QueuedMessage>> ReadOutboxAsync(string tenantId, Channel channel, int limit, CancellationToken cancellationToken = default);

    /// <summary>Every tenant channel that has queued outbound messages.</summary>
    Task<IReadOnlyList<(string TenantId, Channel Channel)>> ListQueuedChannelsAsync(CancellationToken cancellationToken = default);

    /// <summary>Marks hand-offs as begun (outcome unknown until recorded), in one statement.</summary>
    Task MarkAttemptedAsync(IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken = default);

    /// <summary>Records that the provider accepted queued messages under its own ids (status sending), in one statement.</summary>
    Task RecordAcceptedAsync(IReadOnlyList<AcceptedHandOff> accepted, CancellationToken cancellationToken = default);

    /// <summary>Records a hand-off that failed for good (status failed, with the provider's code).</summary>
    Task RecordFailedAsync(Guid messageId, Provider provider, string errorCode, CancellationToken cancellationToken = default);

    /// <summary>Outbound messages of a tenant's channel handed to the provider since <paramref name="since"/>.</summary>
    Task<int> CountSentSinceAsync(string tenantId, Channel channel, DateTimeOffset since, CancellationToken cancellationToken = default);

    /// <summary>A conversation's messages, newest first, after <paramref name="after"/> when given.</summary>
    Task<IReadOnlyList<MessageRecord>> ReadConversationAsync(
        string tenantId, string leadPhone, Channel channel, MessageCursor? after, int limit,
        CancellationToken cancellationToken = default);

    /// <summary>A tenant's conversations, most recently active first, after <paramref name="after"/> when given.</summary>
    Task<IReadOnlyList<ConversationActivity>> ListConversationsAsync(
        string tenantId, ConversationCursor? after, int limit, CancellationToken cancellationToken = default);

    /// <summary>The stored first answer for an idempotency key, or null.</summary>
    Task<StoredSend?> FindSendAsync(string tenantId, string idempotencyKey, CancellationToken cancellationToken = default);

    /// <summary>Stores the answer for an idempotency key unless one is stored already (the first wins).</summary>
    Task RecordSendAsync(StoredSend send, CancellationToken cancellationToken = default);
}
