using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Delivery;
using Engine.Grains.Abstractions.Leads;
using Engine.Grains.Abstractions.Tenants;
using Engine.Grains.Storage.Outbox;

namespace Engine.Grains.Delivery;

/// <summary>What became of one hand-off; the sender records it.</summary>
internal abstract record HandOffResult
{
    /// <summary>The provider has the message; <paramref name="RecipientUserId"/> is the WhatsApp user id its answer named.</summary>
    public sealed record Accepted(AcceptedHandOff HandOff, string? RecipientUserId) : HandOffResult;

    /// <summary>Refused for good, never retried.</summary>
    public sealed record Failed(string ErrorCode) : HandOffResult;

    /// <summary>Tried again after <paramref name="Delay"/>, as <paramref name="Message"/> (which says whether an attempt may have reached the provider).</summary>
    public sealed record Retry(QueuedMessage Message, TimeSpan Delay) : HandOffResult;
}

/// <summary>
/// Hands one message to its provider. A hand-off that began before (crash, timeout, 5xx) is first
/// looked up with the provider, so a message the provider kept is adopted rather than sent twice. Only a
/// provider message no other engine message holds can be adopted: the same words to the same person may
/// have gone out for another message just before.
/// </summary>
internal sealed partial class ProviderHandOff(ProviderClients providers, IOutbox outbox, TimeProvider time, ILogger<ProviderHandOff> logger)
{
    public static readonly TimeSpan TransientBackoff = TimeSpan.FromSeconds(30);

    // An unexpected failure may have come after the request left (a canceled drain), so the message is
    // marked as attempted and reconciled before it is sent again.
    public async Task<HandOffResult> RunAsync(string tenantId, TenantSettings tenant, Channel channel, QueuedMessage message, CancellationToken cancellationToken)
    {
        var startedAt = time.GetUtcNow();
        try
        {
            return await TryRunAsync(tenantId, tenant, channel, message, startedAt, cancellationToken);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            LogTransient(logger, message.MessageId, e.Message);
            return new HandOffResult.Retry(message with { AttemptedAt = message.AttemptedAt ?? startedAt }, TransientBackoff);
        }
    }

    private async Task<HandOffResult> TryRunAsync(
        string tenantId, TenantSettings tenant, Channel channel, QueuedMessage message, DateTimeOffset startedAt, CancellationToken cancellationToken)
    {
        var client = providers.For(channel);
        var request = new ProviderSendRequest(tenantId, message.MessageId, channel, message.LeadPhone, message.Body, message.Template, message.TraceParent, message.Media);
        var provider = ProviderClients.ProviderOf(channel);

        // A lookup that fails is tried again later, never read as "not sent".
        if (message.AttemptedAt is { } attemptedAt)
        {
            if (!client.CanConfirmSends)
            {
                return new HandOffResult.Failed("unknown_outcome");
            }

            var lookup = await client.FindSentAsync(tenant, request, attemptedAt, cancellationToken);
            switch (lookup.Verdict)
            {
                case SentVerdict.Sent:
                    var held = await outbox.FindHeldAsync(tenantId, provider, lookup.Candidates, cancellationToken);
                    if (lookup.Candidates.FirstOrDefault(id => !held.Contains(id)) is { } adopted)
                    {
                        return new HandOffResult.Accepted(new AcceptedHandOff(message.MessageId, provider, adopted), null);
                    }

                    break; // every match went out for another message: this one never arrived
                case SentVerdict.Unanswered:
                    LogLookupFailed(logger, message.MessageId, lookup.Reason ?? "no answer");
                    return RetryUnknown(message, attemptedAt);
            }
        }

        // On the thread pool, not the sender's activation: a batch's requests are built, sent and read in parallel.
        var outcome = await Task.Run(() => client.SendAsync(tenant, request, cancellationToken));
        switch (outcome.Kind)
        {
            case HandOff.Accepted:
                var userId = LeadAddress.IsPhoneNumber(message.LeadPhone) ? outcome.RecipientUserId : null;
                return new HandOffResult.Accepted(new AcceptedHandOff(message.MessageId, provider, outcome.ProviderMessageId!), userId);
            case HandOff.Permanent:
                return new HandOffResult.Failed(outcome.ErrorCode ?? "permanent");
            case HandOff.Unknown when client.CanConfirmSends:
                // Reconciled from the first attempt on: any of them may be the one the provider kept.
                return RetryUnknown(message, message.AttemptedAt ?? startedAt);
            case HandOff.Unknown:
                return new HandOffResult.Failed("unknown_outcome");
            default:
                LogTransient(logger, message.MessageId, outcome.ErrorCode ?? outcome.ErrorMessage ?? "transient");
                return new HandOffResult.Retry(message, TransientBackoff);
        }
    }

    // An outage answers every attempt with a 5xx or a failed lookup: each waits twice as long as the last (1 s to 30 s).
    private static HandOffResult.Retry RetryUnknown(QueuedMessage message, DateTimeOffset attemptedAt)
    {
        var attempts = message.Attempts + 1;
        var backoff = TimeSpan.FromSeconds(Math.Min(TransientBackoff.TotalSeconds, Math.Pow(2, Math.Min(attempts, 6) - 1)));
        return new HandOffResult.Retry(message with { AttemptedAt = attemptedAt, Attempts = attempts }, backoff);
    }

    [LoggerMessage(EventId = 2206, EventName = "SendLookupFailed", Level = LogLevel.Warning,
        Message = "Could not ask the provider whether it has message {MessageId} ({Reason}); it is asked again later, not sent")]
    private static partial void LogLookupFailed(ILogger logger, Guid messageId, string reason);

    [LoggerMessage(EventId = 2201, EventName = "SendTransientFailure", Level = LogLevel.Warning,
        Message = "Provider refused message {MessageId} for now ({Reason}); it waits and is retried")]
    private static partial void LogTransient(ILogger logger, Guid messageId, string reason);
}
