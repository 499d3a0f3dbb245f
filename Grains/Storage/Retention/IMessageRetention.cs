namespace Engine.Grains.Storage.Retention;

/// <summary>What one batch of body blanking changed.</summary>
/// <param name="LastEventCursor">The highest cursor among the events stripped (0 when none had one yet).</param>
public sealed record BodyPurge(int Messages, int Events, long LastEventCursor)
{
    public bool Done => Messages == 0 && Events == 0;
}

/// <summary>
/// Removes a tenant's message data past its retention, a bounded batch per call so no purge holds
/// locks or memory for long. Messages still waiting to be sent (queued, scheduled) are left alone: they need their body.
/// </summary>
public interface IMessageRetention
{
    /// <summary>
    /// Blanks the bodies of up to <paramref name="batchSize"/> messages stored before
    /// <paramref name="before"/>, and removes the body from up to as many of their events.
    /// </summary>
    Task<BodyPurge> BlankBodiesAsync(string tenantId, DateTimeOffset before, int batchSize, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes up to <paramref name="batchSize"/> messages stored before <paramref name="before"/>, with
    /// their send-request and early-status rows (and such rows that old of messages never stored);
    /// returns how many rows went.
    /// </summary>
    Task<int> DeleteMessagesAsync(string tenantId, DateTimeOffset before, int batchSize, CancellationToken cancellationToken = default);
}
