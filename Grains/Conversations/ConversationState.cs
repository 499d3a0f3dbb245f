using Engine.Grains.Abstractions.Conversations;

namespace Engine.Grains.Conversations;

/// <summary>
/// Stored state of a conversation grain (state name "conversation", read lazily). Only the durable schedule lives
/// here; the recent window and the last inbound time are rebuilt from the message log on activation,
/// so ordinary traffic never rewrites this row.
/// </summary>
[GenerateSerializer, Alias("engine.conversation-state.v1")]
public sealed class ConversationState
{
    [Id(0)] public List<PendingSend> Pending { get; set; } = [];
}
