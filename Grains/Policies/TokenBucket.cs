namespace Engine.Grains.Policies;

/// <summary>Whether a take succeeded and, if not, how long until it would.</summary>
public readonly record struct RateDecision(bool Allowed, TimeSpan RetryAfter);

/// <summary>
/// A token bucket: refills at <c>ratePerSecond</c> up to <c>capacity</c>; a send of cost n takes n
/// tokens. Driven by the caller's clock, so it is exact under a fake clock and in replays.
/// </summary>
public sealed class TokenBucket
{
    private readonly double _capacity;
    private double _ratePerSecond;
    private double _tokens;
    private DateTimeOffset _updatedAt;

    public TokenBucket(double ratePerSecond, double capacity, DateTimeOffset now)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(ratePerSecond);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(capacity);
        (_ratePerSecond, _capacity, _tokens, _updatedAt) = (ratePerSecond, capacity, capacity, now);
    }

    public double RatePerSecond => _ratePerSecond;

    /// <summary>Takes <paramref name="cost"/> tokens if there are that many now.</summary>
    public RateDecision TryTake(DateTimeOffset now, double cost = 1)
    {
        Refill(now);
        // A cost above capacity (a long multi-segment text) may go once the bucket is full, or it never could.
        var needed = Math.Min(cost, _capacity);
        if (_tokens >= needed)
        {
            _tokens -= cost;
            return new RateDecision(true, TimeSpan.Zero);
        }

        return new RateDecision(false, TimeSpan.FromSeconds((needed - _tokens) / _ratePerSecond));
    }

    private void Refill(DateTimeOffset now)
    {
        if (now > _updatedAt)
        {
            _tokens = Math.Min(_capacity, _tokens + (now - _updatedAt).TotalSeconds * _ratePerSecond);
            _updatedAt = now;
        }
    }
}
