using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Messages;
using Engine.Grains.Abstractions.Tenants;

namespace Engine.Grains.Delivery;

/// <summary>One outbound message as a provider client sends it, with the trace context that queued it.</summary>
public sealed record ProviderSendRequest(string TenantId, Guid MessageId, Channel Channel, string To, string? Body, TemplateRef? Template, string? TraceParent = null,
    IReadOnlyList<MediaAttachment>? Media = null);

/// <summary>How a hand-off to a provider ended.</summary>
public enum HandOff
{
    /// <summary>The provider accepted the message and gave its id.</summary>
    Accepted,

    /// <summary>Refused for now (rate limit, outage) even after retries; try again later.</summary>
    Transient,

    /// <summary>Refused for good (invalid number, unsubscribed, ...); never retried.</summary>
    Permanent,

    /// <summary>No answer (timeout) or a 5xx: the provider may or may not have the message.</summary>
    Unknown,
}

/// <summary>What a provider's records say about a hand-off whose outcome was unknown.</summary>
public enum SentVerdict
{
    /// <summary>The provider has messages like this one: the first no other message holds is adopted.</summary>
    Sent,

    /// <summary>The provider answered and has no such message: it may be sent again.</summary>
    NotSent,

    /// <summary>The lookup itself failed: nothing is known yet, so it is looked up again later.</summary>
    Unanswered,
}

/// <summary>
/// The outcome of one lookup. <paramref name="Candidates"/> are the provider's ids of every message that
/// matches, oldest first: the same words to the same person may have been sent by another engine
/// message, which already holds its id.
/// </summary>
public sealed record SentLookup(SentVerdict Verdict, IReadOnlyList<string> Candidates, string? Reason = null)
{
    public static SentLookup NotSent { get; } = new(SentVerdict.NotSent, []);

    public static SentLookup Found(IReadOnlyList<string> candidates) => new(SentVerdict.Sent, candidates);

    public static SentLookup Unanswered(string reason) => new(SentVerdict.Unanswered, [], reason);
}

/// <summary>
/// The outcome of one hand-off, with the provider's id or error code, and the recipient's WhatsApp
/// user id when Meta's answer named it.
/// </summary>
public sealed record ProviderSendOutcome(
    HandOff Kind, string? ProviderMessageId = null, string? ErrorCode = null, string? ErrorMessage = null, string? RecipientUserId = null);

/// <summary>Sends messages through a provider's REST API.</summary>
public interface IProviderClient
{
    /// <summary>Whether <see cref="FindSentAsync"/> can tell a lost message from one the provider kept.</summary>
    bool CanConfirmSends { get; }

    /// <summary>Hands one message to the provider.</summary>
    Task<ProviderSendOutcome> SendAsync(TenantSettings tenant, ProviderSendRequest request, CancellationToken cancellationToken);

    /// <summary>
    /// After an unknown outcome: finds the message if the provider did create it since
    /// <paramref name="attemptedAt"/> (when the first such hand-off began), so that it is adopted rather
    /// than sent again. A lookup that fails says so: it never reads as "not sent".
    /// </summary>
    Task<SentLookup> FindSentAsync(TenantSettings tenant, ProviderSendRequest request, DateTimeOffset attemptedAt, CancellationToken cancellationToken);
}
