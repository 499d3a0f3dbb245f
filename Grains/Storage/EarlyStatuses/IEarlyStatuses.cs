using Engine.Grains.Abstractions.Conversations;

namespace Engine.Grains.Storage.EarlyStatuses;

/// <summary>
/// Statuses reported for a provider message id the message log does not hold yet. The conversation
/// grain parks one when its status finds no message; the sender applies them when it records the ids
/// and discards each once applied, so a crash in between leaves it parked rather than lost.
/// </summary>
public interface IEarlyStatuses
{
    /// <summary>Parks the report unless a message with its provider id is logged by now; true when parked.</summary>
    Task<bool> ParkUnlessKnownAsync(string tenantId, StatusReport report, CancellationToken cancellationToken = default);

    /// <summary>The parked reports for these provider ids.</summary>
    Task<IReadOnlyList<StatusReport>> FindAsync(string tenantId, IReadOnlyCollection<string> providerMessageIds, CancellationToken cancellationToken = default);

    /// <summary>Forgets a parked report once it is applied.</summary>
    Task DiscardAsync(string tenantId, StatusReport report, CancellationToken cancellationToken = default);
}
