using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Messages;

namespace Engine.Grains.Storage.Messages;

/// <summary>
/// The durable record of every message, as conversations read and write it. Every write also writes
/// the message's event in the same statement, and every write is idempotent, so any may be retried.
/// </summary>
public interface IConversationLog
{
    /// <summary>Inserts the record unless its id or its provider message id is already stored.</summary>
    Task<bool> TryAppendAsync(MessageRecord record, CancellationToken cancellationToken = default);

    /// <summary>
    /// Moves a message's status forward when the report's status ranks higher than the stored one;
    /// returns the message id when it moved, null when the report was stale, repeated or unknown. A report
    /// that names the engine's message id finds it by that id and records the provider's id if the sender
    /// has not yet (a report for another provider id of that message is ignored).
    /// </summary>
    Task<Guid?> AdvanceStatusAsync(string tenantId, StatusReport report, CancellationToken cancellationToken = default);

    /// <summary>Moves the status of a message the engine created, by its id; same forward-only rule.</summary>
    Task<bool> AdvanceStatusByIdAsync(Guid messageId, DeliveryStatus status, CancellationToken cancellationToken = default);

    /// <summary>
    /// Cancels a lead's outbound messages on <paramref name="channels"/> that are scheduled or queued and
    /// not yet being handed off, recording <paramref name="reason"/>; returns their ids.
    /// </summary>
    Task<IReadOnlyList<Guid>> CancelWaitingAsync(
        string tenantId, string leadPhone, IReadOnlyCollection<Channel> channels, string reason, CancellationToken cancellationToken = default);

    /// <summary>When each of <paramref name="leadPhones"/> last wrote on the channel; leads that never did are absent.</summary>
    Task<IReadOnlyDictionary<string, DateTimeOffset>> LastInboundAtAsync(
        string tenantId, Channel channel, IReadOnlyCollection<string> leadPhones, CancellationToken cancellationToken = default);

    /// <summary>A conversation's messages, newest first, after <paramref name="after"/> when given.</summary>
    Task<IReadOnlyList<MessageRecord>> ReadConversationAsync(
        string tenantId, string leadPhone, Channel channel, MessageCursor? after, int limit,
        CancellationToken cancellationToken = default);

    /// <summary>A tenant's conversations, most recently active first, after <paramref name="after"/> when given.</summary>
    Task<IReadOnlyList<ConversationActivity>> ListConversationsAsync(
        string tenantId, ConversationCursor? after, int limit, CancellationToken cancellationToken = default);
}
