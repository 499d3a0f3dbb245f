namespace Engine.Grains.Policies;

/// <summary>
/// When a key's last use is worth writing down: a minute after the last recorded one, so a busy key
/// costs one tenant-state write a minute, not one per call. Gateways apply it before reporting and the
/// tenant grain before storing (several gateways may report the same minute).
/// </summary>
public static class ApiKeyUsePolicy
{
    /// <summary>How stale a recorded last use may get.</summary>
    public static readonly TimeSpan Interval = TimeSpan.FromMinutes(1);

    /// <summary>True when <paramref name="now"/> is at least <see cref="Interval"/> after <paramref name="lastRecorded"/> (or nothing is recorded).</summary>
    public static bool IsWorthRecording(DateTimeOffset? lastRecorded, DateTimeOffset now) => lastRecorded is not { } last || now - last >= Interval;
}
