using System.Collections.Concurrent;

namespace Engine.Grains.Storage.DeadLetters;

/// <summary>Dead letters of the embedded engine, in memory.</summary>
public sealed class InMemoryDeadLetterStore : IDeadLetterStore
{
    private readonly ConcurrentDictionary<(string, string, long), DeadLetter> _letters = new();

    public Task ParkAsync(DeadLetter letter, CancellationToken cancellationToken = default)
    {
        _letters.TryAdd((letter.TenantId, letter.SubscriptionId, letter.Cursor), letter);
        return Task.CompletedTask;
    }

    /// <summary>Erasure: removes the dead letters of these events; returns how many.</summary>
    public int RemoveEvents(string tenantId, IReadOnlyCollection<string> eventIds) =>
        _letters.Where(l => l.Key.Item1 == tenantId && eventIds.Contains(l.Value.EventId)).Count(l => _letters.TryRemove(l.Key, out _));

    public Task<IReadOnlyList<DeadLetter>> ListAsync(string tenantId, DeadLetterCursor? after, int limit, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<DeadLetter>>(_letters.Values
            .Where(l => l.TenantId == tenantId)
            .Select(l => (Letter: l, Key: new DeadLetterCursor(l.ParkedAt, l.Cursor, l.SubscriptionId)))
            .Where(l => after is not { } cursor || Compare(l.Key, cursor) < 0)
            .OrderByDescending(l => l.Key, Comparer<DeadLetterCursor>.Create(Compare))
            .Take(limit).Select(l => l.Letter).ToArray());

    // The order PostgreSQL's row comparison gives (parked_at, cursor, subscription_id).
    private static int Compare(DeadLetterCursor x, DeadLetterCursor y) =>
        x.ParkedAt != y.ParkedAt ? x.ParkedAt.CompareTo(y.ParkedAt)
        : x.Cursor != y.Cursor ? x.Cursor.CompareTo(y.Cursor)
        : string.CompareOrdinal(x.SubscriptionId, y.SubscriptionId);
}
