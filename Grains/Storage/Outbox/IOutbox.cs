using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Delivery;
using Engine.Grains.Abstractions.Messages;

namespace Engine.Grains.Storage.Outbox;

/// <summary>
/// Outbound messages waiting for their sender: rows of the message log with status queued. The
/// senders' view of the log; writes are idempotent and batched, one statement per batch.
/// </summary>
public interface IOutbox
{
    /// <summary>Queued outbound messages of a tenant's channel, oldest first.</summary>
    Task<IReadOnlyList<QueuedMessage>> ReadAsync(string tenantId, Channel channel, int limit, CancellationToken cancellationToken = default);

    /// <summary>Every tenant channel that has queued outbound messages.</summary>
    Task<IReadOnlyList<(string TenantId, Channel Channel)>> ListQueuedChannelsAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks hand-offs as begun (outcome unknown until recorded) for the messages that are still queued,
    /// and returns those: a message canceled meanwhile (an opt-out) is not returned and must not be sent.
    /// </summary>
    Task<IReadOnlySet<Guid>> BeginHandOffAsync(IReadOnlyCollection<Guid> messageIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Records that the provider accepted queued messages under its own ids (status sending). Returns the
    /// messages refused because another message holds that id (or an earlier one of this batch): a
    /// reconciled hand-off adopted a message that was not its own, and must look again.
    /// </summary>
    Task<IReadOnlySet<Guid>> RecordAcceptedAsync(IReadOnlyList<AcceptedHandOff> accepted, CancellationToken cancellationToken = default);

    /// <summary>Which of a provider's message ids some message of the tenant already holds.</summary>
    Task<IReadOnlySet<string>> FindHeldAsync(string tenantId, Provider provider, IReadOnlyList<string> providerMessageIds, CancellationToken cancellationToken = default);

    /// <summary>Records a hand-off that failed for good (status failed, with the provider's code).</summary>
    Task RecordFailedAsync(Guid messageId, Provider provider, string errorCode, CancellationToken cancellationToken = default);

    /// <summary>Records messages the last check refused (status suppressed, the reason as error code).</summary>
    Task RecordSuppressedAsync(IReadOnlyList<(Guid MessageId, string Reason)> suppressed, CancellationToken cancellationToken = default);

    /// <summary>Outbound messages of a tenant's channel handed to the provider since <paramref name="since"/>.</summary>
    Task<int> CountSentSinceAsync(string tenantId, Channel channel, DateTimeOffset since, CancellationToken cancellationToken = default);
}
