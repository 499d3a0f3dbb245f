namespace Engine.Grains.Abstractions.Delivery;

/// <summary>
/// Paces one tenant's channel towards its provider. Key: "{tenant}/{channel}". The queue itself lives in
/// the message log (status queued), so nothing waiting is lost when a silo dies.
/// </summary>
[Alias("engine.sender")]
public interface ISenderGrain : IGrainWithStringKey
{
    /// <summary>Takes a message that is already stored as queued.</summary>
    [Alias("enqueue")]
    Task EnqueueAsync(QueuedMessage message);

    /// <summary>
    /// Forgets the lead's waiting messages, which an opt-out has just canceled in the log, so they do not
    /// hold up (and spend the rate on) what follows, such as the STOP confirmation.
    /// </summary>
    [Alias("withdraw")]
    Task WithdrawAsync(string leadPhone);

    /// <summary>How many messages wait.</summary>
    [Alias("backlog"), ReadOnly]
    Task<int> GetBacklogAsync();
}
