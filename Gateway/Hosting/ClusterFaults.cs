using System.Globalization;
using Engine.Grains.Abstractions;
using Orleans.Runtime.Messaging;

namespace Engine.Gateway.Hosting;

/// <summary>
/// The one owner of "the Orleans cluster cannot be reached right now": which failures mean it (and so
/// which <see cref="IdempotentRetry"/> repeats), what clients are told (gRPC UNAVAILABLE, webhook
/// 503, both with a retry-after) and the one log line. An expected condition during a silo failover or
/// restart, so it is a warning without a stack trace, never an error.
/// </summary>
internal static partial class ClusterFaults
{
    /// <summary>What clients are asked to wait: about the time a killed silo takes to be declared dead.</summary>
    public static readonly TimeSpan RetryAfter = TimeSpan.FromSeconds(5);

    public const string Message = "The engine cluster is unavailable right now (no silo answered); retry in a few seconds.";

    public static string RetryAfterSeconds => ((int)RetryAfter.TotalSeconds).ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// The call never reached a live silo, or a silo refused it without running it: repeating an
    /// idempotent operation is safe and may well succeed through another gateway or silo.
    /// </summary>
    public static bool IsUnreachable(Exception exception) =>
        Causes(exception).Any(e => e is SiloUnavailableException or OrleansMessageRejectionException or ConnectionFailedException);

    /// <summary>A silo's PostgreSQL failed under the call (a restart): nothing was done, so idempotent work is retried.</summary>
    public static bool IsStorageUnavailable(Exception exception) => Causes(exception).Any(e => e is StorageUnavailableException);

    /// <summary>
    /// Unreachable, too busy, PostgreSQL failing under a grain, or no answer in time (the call may have run: not retried here). A grain
    /// call that times out throws a bare TimeoutException; Redis and Npgsql timeouts are not the
    /// cluster's (Npgsql wraps its own, so only the outermost exception counts).
    /// </summary>
    public static bool IsUnavailable(Exception exception) =>
        IsUnreachable(exception) || IsStorageUnavailable(exception) ||
        Causes(exception).Any(e => e is GatewayTooBusyException) ||
        exception is TimeoutException and not StackExchange.Redis.RedisTimeoutException;

    /// <summary>The one warning for a request answered as unavailable.</summary>
    public static void Log(ILogger logger, string operation, string answer, Exception exception) =>
        LogUnavailable(logger, operation, answer, exception.GetType().Name, exception.Message);

    private static IEnumerable<Exception> Causes(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            yield return e;
            if (e is AggregateException aggregate)
            {
                foreach (var inner in aggregate.InnerExceptions.SelectMany(Causes))
                {
                    yield return inner;
                }
            }
        }
    }

    [LoggerMessage(EventId = 3301, EventName = "ClusterUnavailable", Level = LogLevel.Warning,
        Message = "{Operation} answered {Answer}: the cluster is unavailable ({ErrorType}: {Reason})")]
    private static partial void LogUnavailable(ILogger logger, string operation, string answer, string errorType, string reason);
}
