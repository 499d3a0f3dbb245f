namespace Engine.Grains.Storage.DeadLetters;

/// <summary>The dead-letter list of partner webhooks; parking an event twice stores it once.</summary>
public interface IDeadLetterStore
{
    Task ParkAsync(DeadLetter letter, CancellationToken cancellationToken = default);

    /// <summary>A tenant's dead letters, newest first, after <paramref name="after"/> when given.</summary>
    Task<IReadOnlyList<DeadLetter>> ListAsync(string tenantId, DeadLetterCursor? after, int limit, CancellationToken cancellationToken = default);
}
