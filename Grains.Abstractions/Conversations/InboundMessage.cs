using Engine.Grains.Abstractions.Messages;

namespace Engine.Grains.Abstractions.Conversations;

/// <summary>
/// A message from a lead, as a provider webhook delivered it. <see cref="ProviderKeyword"/> is set when
/// the provider itself recognised and answered a keyword (Twilio Advanced Opt-Out's OptOutType);
/// <see cref="Identity"/> is what the webhook said about who the sender is.
/// </summary>
[GenerateSerializer, Immutable, Alias("engine.inbound-message.v1")]
public sealed record class InboundMessage(
    [property: Id(0)] Provider Provider,
    [property: Id(1)] string ProviderMessageId,
    [property: Id(2)] string MessageType,
    [property: Id(3)] string? Body,
    [property: Id(4)] DateTimeOffset ReceivedAt,
    [property: Id(5)] string? ContactName,
    [property: Id(6)] KeywordKind? ProviderKeyword = null,
    [property: Id(7)] Leads.LeadIdentity? Identity = null,
    [property: Id(8)] IReadOnlyList<MediaAttachment>? Media = null);

/// <summary>What the engine did with an inbound message.</summary>
public enum InboundOutcome
{
    /// <summary>Stored and processed.</summary>
    Accepted = 0,

    /// <summary>Already stored before (a provider retry); nothing was done again.</summary>
    Duplicate = 1,
}

/// <summary>Which keyword family an inbound message matched.</summary>
public enum KeywordKind
{
    /// <summary>An ordinary message.</summary>
    None = 0,

    /// <summary>STOP family, or a plain-language revocation treated as one.</summary>
    OptOut = 1,

    /// <summary>START family.</summary>
    OptIn = 2,

    /// <summary>HELP family.</summary>
    Help = 3,
}

/// <summary>The result of receiving an inbound message.</summary>
[GenerateSerializer, Immutable, Alias("engine.inbound-result.v1")]
public sealed record class InboundResult(
    [property: Id(0)] InboundOutcome Outcome,
    [property: Id(1)] Guid MessageId,
    [property: Id(2)] KeywordKind Keyword,
    [property: Id(3)] bool RevocationPhraseDetected,
    [property: Id(4)] IReadOnlyList<Guid> AutoReplyIds);
