namespace Engine.Grains.Abstractions.Delivery;

/// <summary>
/// Paces one tenant's channel towards its provider. Key: "{tenant}/{channel}". The queue itself lives in
/// the message log (status queued), so nothing waiting is lost when a silo dies.
/// </summary>
[Alias("engine.sender")]
public interface ISenderGrain : IGrainWithStringKey
{
    /// <summary>
    /// Takes a message that is already stored as queued. One-way: the caller's acknowledgement does not
    /// wait for a busy sender, and a lost call costs nothing, since the sender reads the log for what it
    /// was not told of.
    /// </summary>
    [Alias("enqueue"), OneWay]
    Task EnqueueAsync(QueuedMessage message);

    /// <summary>
    /// Forgets waiting messages that an opt-out has just canceled in the log, so they do not hold up (and
    /// spend the rate on) what follows, such as the STOP confirmation. By id: a message queued after the
    /// cancellation is still the sender's to decide.
    /// </summary>
    [Alias("withdraw-canceled")]
    Task WithdrawAsync(IReadOnlyList<Guid> canceledMessageIds);

    /// <summary>
    /// Looks in the log for queued messages this sender was not told of (a lost enqueue) and drains
    /// them, unless a drain is already on its way.
    /// </summary>
    [Alias("wake")]
    Task WakeAsync();
}
