namespace Engine.Grains.Storage.DeadLetters;

/// <summary>The dead-letter list of partner webhooks; parking an event twice stores it once.</summary>
public interface IDeadLetterStore
{
    Task ParkAsync(DeadLetter letter, CancellationToken cancellationToken = default);

    Task<IReadOnlyList<DeadLetter>> ListAsync(string tenantId, int limit, CancellationToken cancellationToken = default);
}
