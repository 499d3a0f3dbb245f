using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Delivery;
using Engine.Grains.Policies;

namespace Engine.Grains.Delivery;

/// <summary>The batch a sender takes, how long until it should look again, and whether the daily cap stopped it.</summary>
internal readonly record struct SendBatch(List<QueuedMessage> Messages, TimeSpan Wait, bool DailyCapReached);

/// <summary>
/// One sender's line of waiting messages, in the order they were queued. It knows every message it
/// has taken until that message is settled, so a reload of the log does not add one twice, and it
/// keeps each conversation's not-before time (provider backoff, WhatsApp's pair limit).
/// Not thread-safe: its grain's turns serialise access.
/// </summary>
internal sealed class SendQueue(Channel channel)
{
    private readonly LinkedList<QueuedMessage> _line = [];
    private readonly HashSet<Guid> _known = [];
    private readonly Dictionary<string, DateTimeOffset> _notBefore = new(StringComparer.Ordinal);

    public int Count => _line.Count;

    /// <summary>
    /// Adds a message in order of queueing: one-way enqueue calls may arrive out of order. New messages
    /// are nearly always the latest, so the scan from the tail is short. A message already known is
    /// ignored, except that a copy read from the log gains the trace of the call that queued it.
    /// </summary>
    public void Add(QueuedMessage message)
    {
        if (_known.Add(message.MessageId))
        {
            var before = _line.Last;
            while (before is not null && before.Value.QueuedAt > message.QueuedAt)
            {
                before = before.Previous;
            }

            if (before is null)
            {
                _line.AddFirst(message);
            }
            else
            {
                _line.AddAfter(before, message);
            }
        }
        else if (message.TraceParent is not null && FindNode(message.MessageId) is { Value.TraceParent: null } loaded)
        {
            loaded.Value = loaded.Value with { TraceParent = message.TraceParent };
        }
    }

    /// <summary>Drops waiting messages an opt-out canceled; one whose hand-off began is kept, to be reconciled.</summary>
    public void Withdraw(IReadOnlyCollection<Guid> messageIds)
    {
        var canceled = messageIds.ToHashSet();
        for (var node = _line.First; node is not null;)
        {
            var next = node.Next;
            if (canceled.Contains(node.Value.MessageId) && node.Value.AttemptedAt is null)
            {
                _known.Remove(node.Value.MessageId);
                _line.Remove(node);
            }

            node = next;
        }
    }

    /// <summary>
    /// Takes up to <paramref name="maxBatch"/> messages that may leave now: at most one per conversation
    /// (an earlier one goes first), none whose conversation must wait, within the rate and what is left of the daily cap.
    /// </summary>
    public SendBatch Take(DateTimeOffset now, TokenBucket bucket, int remainingToday, int maxBatch, TimeSpan idleWait)
    {
        var batch = new List<QueuedMessage>();
        var conversationsInBatch = new HashSet<string>(StringComparer.Ordinal);
        var wait = idleWait;
        for (var node = _line.First; node is not null && batch.Count < maxBatch;)
        {
            var next = node.Next;
            var message = node.Value;
            if (!conversationsInBatch.Add(message.LeadPhone))
            {
                node = next;
                continue;
            }

            if (_notBefore.TryGetValue(message.LeadPhone, out var notBefore) && notBefore > now)
            {
                wait = Min(wait, notBefore - now);
                node = next;
                continue;
            }

            if (remainingToday <= batch.Count)
            {
                return new SendBatch(batch, idleWait, DailyCapReached: true);
            }

            var decision = bucket.TryTake(now, Cost(message));
            if (!decision.Allowed)
            {
                wait = Min(wait, decision.RetryAfter);
                break;
            }

            batch.Add(message);
            _line.Remove(node);
            node = next;
        }

        return new SendBatch(batch, wait, DailyCapReached: false);
    }

    /// <summary>
    /// Puts a batch that never left back at the head of the line, in order: dropped instead, it would
    /// wait unseen, since its messages stay known and a reload of the log skips them.
    /// </summary>
    public void Restore(IReadOnlyList<QueuedMessage> batch)
    {
        foreach (var message in Enumerable.Reverse(batch).Where(m => FindNode(m.MessageId) is null))
        {
            _known.Add(message.MessageId);
            _line.AddFirst(message);
        }
    }

    /// <summary>Back at the head of its conversation's line, so the conversation keeps its order; it waits <paramref name="delay"/>.</summary>
    public void Requeue(QueuedMessage message, TimeSpan delay, DateTimeOffset now)
    {
        _line.AddFirst(message);
        if (delay > TimeSpan.Zero)
        {
            _notBefore[message.LeadPhone] = now + delay;
        }
    }

    /// <summary>The conversation's next message waits until <paramref name="until"/>.</summary>
    public void HoldConversation(string leadPhone, DateTimeOffset until) => _notBefore[leadPhone] = until;

    /// <summary>A taken message is settled (sent, failed, suppressed, canceled): a later reload may add it again only if it waits again.</summary>
    public void Settle(Guid messageId) => _known.Remove(messageId);

    private LinkedListNode<QueuedMessage>? FindNode(Guid messageId)
    {
        for (var node = _line.First; node is not null; node = node.Next)
        {
            if (node.Value.MessageId == messageId)
            {
                return node;
            }
        }

        return null;
    }

    private int Cost(QueuedMessage message) => channel == Channel.Sms ? SmsSegments.Count(message.Body ?? "").Segments : 1;

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;
}
