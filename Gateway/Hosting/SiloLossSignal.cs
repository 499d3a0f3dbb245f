using System.Diagnostics;

namespace Engine.Gateway.Hosting;

/// <summary>
/// Fires each time the gateway's cluster client loses a silo connection: a silo was killed, or left on
/// SIGTERM. A call that a live silo had forwarded to that silo is never answered, and Orleans' client
/// would wait out its whole response timeout (30 s); idempotent work watches this to repeat such a call.
/// </summary>
internal sealed class SiloLossSignal : IClusterConnectionStatusObserver
{
    private TaskCompletionSource _next = NewSource();
    private long _lastLoss = long.MinValue;

    /// <summary>Completes at the next loss after it was read.</summary>
    public Task NextLoss => Volatile.Read(ref _next).Task;

    /// <summary>Whether a silo connection was lost within <paramref name="window"/> before now.</summary>
    public bool LostWithin(TimeSpan window) =>
        Volatile.Read(ref _lastLoss) is var last && last != long.MinValue && Stopwatch.GetElapsedTime(last) < window;

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        if (currentNumberOfGateways < previousNumberOfGateways)
        {
            Fire();
        }
    }

    public void NotifyClusterConnectionLost() => Fire();

    private void Fire()
    {
        Volatile.Write(ref _lastLoss, Stopwatch.GetTimestamp());
        Interlocked.Exchange(ref _next, NewSource()).TrySetResult();
    }

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
