using Engine.Grains.Abstractions.Conversations;
using Engine.Grains.Abstractions.Messages;

namespace Engine.Grains.Conversations;

/// <summary>
/// The latest messages of one conversation, oldest first, as its grain holds them: what this
/// activation stored, merged with what the log held when it was first read.
/// </summary>
internal sealed class RecentMessages(int size)
{
    private readonly List<MessageSummary> _messages = [];

    public DateTimeOffset? LastOccurredAt => _messages.LastOrDefault()?.OccurredAt;

    public void Add(MessageRecord record)
    {
        _messages.Add(ToSummary(record));
        if (_messages.Count > size)
        {
            _messages.RemoveAt(0);
        }
    }

    /// <summary>Puts the log's messages (newest first) before those this activation already holds.</summary>
    public void AddOlder(IReadOnlyList<MessageRecord> newestFirst)
    {
        _messages.InsertRange(0, newestFirst.Reverse().Where(m => !_messages.Any(r => r.MessageId == m.MessageId)).Select(ToSummary));
        if (_messages.Count > size)
        {
            _messages.RemoveRange(0, _messages.Count - size);
        }
    }

    public void UpdateStatus(Guid messageId, DeliveryStatus status)
    {
        var index = _messages.FindIndex(m => m.MessageId == messageId);
        if (index >= 0)
        {
            _messages[index] = _messages[index] with { Status = status };
        }
    }

    public MessageSummary[] ToArray() => _messages.ToArray();

    private static MessageSummary ToSummary(MessageRecord record) =>
        new(record.MessageId, record.Direction, record.MessageType, record.Body, record.Status, record.OccurredAt);
}
