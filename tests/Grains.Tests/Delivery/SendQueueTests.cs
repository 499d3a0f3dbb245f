using Engine.Grains.Abstractions;
using Engine.Grains.Abstractions.Delivery;
using Engine.Grains.Delivery;
using Engine.Grains.Policies;

namespace Engine.Grains.Tests.Delivery;

public sealed class SendQueueTests
{
    private static readonly DateTimeOffset Now = DateTimeOffset.Parse("2026-06-10T12:00:00Z", System.Globalization.CultureInfo.InvariantCulture);
    private static readonly TimeSpan Idle = TimeSpan.FromSeconds(5);

    private static QueuedMessage Message(string phone, int secondsAfter, string body = "hi") =>
        new(Guid.NewGuid(), phone, body, null, Now.AddSeconds(secondsAfter));

    private static TokenBucket Unlimited() => new(10_000, 10_000, Now);

    [Fact]
    public void Add_OutOfOrder_KeepsTheOrderOfQueueing_AndIgnoresRepeats()
    {
        var queue = new SendQueue(Channel.WhatsApp);
        var (first, second, third) = (Message("+1", 1), Message("+2", 2), Message("+3", 3));
        queue.Add(third);
        queue.Add(first);
        queue.Add(second);
        queue.Add(first);

        var taken = queue.Take(Now, Unlimited(), remainingToday: 100, maxBatch: 10, Idle);

        Assert.Equal([first.MessageId, second.MessageId, third.MessageId], taken.Messages.Select(m => m.MessageId));
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public void Take_HoldsOneMessagePerConversation_TheEarliest()
    {
        var queue = new SendQueue(Channel.WhatsApp);
        var (early, late, other) = (Message("+1", 1), Message("+1", 2), Message("+2", 3));
        foreach (var message in new[] { early, late, other })
        {
            queue.Add(message);
        }

        var first = queue.Take(Now, Unlimited(), 100, 10, Idle);
        var second = queue.Take(Now, Unlimited(), 100, 10, Idle);

        Assert.Equal([early.MessageId, other.MessageId], first.Messages.Select(m => m.MessageId));
        Assert.Equal([late.MessageId], second.Messages.Select(m => m.MessageId));
    }

    [Fact]
    public void Take_StopsAtTheRate_AndSaysWhenTheNextToken_Comes()
    {
        var queue = new SendQueue(Channel.WhatsApp);
        for (var i = 0; i < 5; i++)
        {
            queue.Add(Message($"+{i}", i));
        }

        var taken = queue.Take(Now, new TokenBucket(ratePerSecond: 2, capacity: 2, Now), 100, 10, Idle);

        Assert.Equal(2, taken.Messages.Count);
        Assert.Equal(TimeSpan.FromMilliseconds(500), taken.Wait);
        Assert.Equal(3, queue.Count);
    }

    [Fact]
    public void Take_OnSms_CostsOneTokenPerSegment()
    {
        var queue = new SendQueue(Channel.Sms);
        queue.Add(Message("+1", 1, body: new string('a', 161))); // two GSM-7 segments
        queue.Add(Message("+2", 2));

        var taken = queue.Take(Now, new TokenBucket(ratePerSecond: 2, capacity: 2, Now), 100, 10, Idle);

        Assert.Single(taken.Messages);
    }

    [Fact]
    public void Take_AtTheDailyCap_TakesWhatIsLeft_AndSaysSo()
    {
        var queue = new SendQueue(Channel.WhatsApp);
        for (var i = 0; i < 3; i++)
        {
            queue.Add(Message($"+{i}", i));
        }

        var taken = queue.Take(Now, Unlimited(), remainingToday: 2, 10, Idle);

        Assert.Equal(2, taken.Messages.Count);
        Assert.True(taken.DailyCapReached);
        Assert.Equal(1, queue.Count);
    }

    [Fact]
    public void Requeue_WithADelay_HoldsThatConversation_ButNotOthers()
    {
        var queue = new SendQueue(Channel.WhatsApp);
        var (held, free) = (Message("+1", 1), Message("+2", 2));
        queue.Requeue(held, TimeSpan.FromSeconds(3), Now);
        queue.Add(free);

        var now = queue.Take(Now, Unlimited(), 100, 10, Idle);
        var later = queue.Take(Now.AddSeconds(3), Unlimited(), 100, 10, Idle);

        Assert.Equal([free.MessageId], now.Messages.Select(m => m.MessageId));
        Assert.Equal(TimeSpan.FromSeconds(3), now.Wait);
        Assert.Equal([held.MessageId], later.Messages.Select(m => m.MessageId));
    }

    [Fact]
    public void Withdraw_DropsWaitingMessages_ButKeepsOneWhoseHandOffBegan()
    {
        var queue = new SendQueue(Channel.WhatsApp);
        var waiting = Message("+1", 1);
        var attempted = Message("+2", 2) with { AttemptedAt = Now };
        queue.Add(waiting);
        queue.Add(attempted);

        queue.Withdraw([waiting.MessageId, attempted.MessageId]);
        queue.Add(waiting); // no longer known: a reload of the log may bring it back if it still waits there

        Assert.Equal(2, queue.Count);
        Assert.Contains(attempted.MessageId, queue.Take(Now, Unlimited(), 100, 10, Idle).Messages.Select(m => m.MessageId));
    }

    [Fact]
    public void Restore_PutsABatchBackAtTheHead_InOrder_WithoutCopies()
    {
        var queue = new SendQueue(Channel.WhatsApp);
        var messages = Enumerable.Range(0, 3).Select(i => Message($"+{i}", i)).ToArray();
        foreach (var message in messages)
        {
            queue.Add(message);
        }

        var taken = queue.Take(Now, Unlimited(), 100, 2, Idle);
        queue.Restore(taken.Messages);
        queue.Restore(taken.Messages);
        queue.Add(messages[0]); // still known

        Assert.Equal(messages.Select(m => m.MessageId), queue.Take(Now, Unlimited(), 100, 10, Idle).Messages.Select(m => m.MessageId));
    }

    [Fact]
    public void Add_OfAKnownMessage_WithATrace_GivesTheLoadedCopyThatTrace()
    {
        var queue = new SendQueue(Channel.WhatsApp);
        var loaded = Message("+1", 1);
        queue.Add(loaded);
        queue.Add(loaded with { TraceParent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01" });

        var taken = queue.Take(Now, Unlimited(), 100, 10, Idle);

        Assert.Equal("00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", Assert.Single(taken.Messages).TraceParent);
    }
}
