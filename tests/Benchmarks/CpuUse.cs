namespace Engine.Benchmarks;

/// <summary>
/// CPU time used so far by each part of the machine, from /proc: the engine's processes by role, PostgreSQL
/// and Redis by process name, and this benchmark (the load, and the provider simulator where there is one). Two readings around a phase say where its time went.
/// </summary>
internal sealed class CpuUse
{
    private const double TicksPerSecond = 100; // USER_HZ, what /proc reports in on Linux

    private readonly Dictionary<string, double> _seconds;

    private CpuUse(Dictionary<string, double> seconds) => _seconds = seconds;

    public static CpuUse Read(IReadOnlyDictionary<int, string> engineProcesses)
    {
        var seconds = new Dictionary<string, double>();
        foreach (var directory in Directory.EnumerateDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(directory), out var pid) || ReadSeconds(directory) is not var (name, used))
            {
                continue;
            }

            var part = pid == Environment.ProcessId ? "benchmark"
                : engineProcesses.TryGetValue(pid, out var role) ? role
                : name is "postgres" or "redis-server" ? name
                : null;
            if (part is not null)
            {
                seconds[part] = seconds.GetValueOrDefault(part) + used;
            }
        }

        return new CpuUse(seconds);
    }

    /// <summary>Milliseconds of CPU per event since <paramref name="before"/>, per part, busiest first.</summary>
    public IReadOnlyDictionary<string, double> MillisecondsPerEvent(CpuUse before, long events) =>
        _seconds.OrderByDescending(p => p.Value - before._seconds.GetValueOrDefault(p.Key))
            .ToDictionary(p => p.Key, p => Math.Round((p.Value - before._seconds.GetValueOrDefault(p.Key)) * 1e3 / Math.Max(1, events), 3));

    public static string Describe(IReadOnlyDictionary<string, double> perEvent) =>
        $"CPU per request: {string.Join(", ", perEvent.Select(p => $"{p.Key} {p.Value:F2} ms"))} (total {perEvent.Values.Sum():F2} ms)";

    // /proc/<pid>/stat: "pid (comm) state ..." with utime and stime the 14th and 15th fields.
    private static (string Name, double Seconds)? ReadSeconds(string directory)
    {
        try
        {
            var stat = File.ReadAllText(Path.Combine(directory, "stat"));
            var close = stat.LastIndexOf(')');
            var fields = stat[(close + 2)..].Split(' ');
            return (stat[(stat.IndexOf('(') + 1)..close], (long.Parse(fields[11]) + long.Parse(fields[12])) / TicksPerSecond);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            return null; // the process ended meanwhile
        }
    }
}
