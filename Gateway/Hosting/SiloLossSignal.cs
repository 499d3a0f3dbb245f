namespace Engine.Gateway.Hosting;

/// <summary>
/// Fires each time the gateway's cluster client loses a silo connection: a silo was killed, or left on
/// SIGTERM. A call that a live silo had forwarded to that silo is never answered, and Orleans' client
/// would wait out its whole response timeout (30 s); idempotent work watches this to repeat such a call.
/// </summary>
internal sealed class SiloLossSignal : IClusterConnectionStatusObserver
{
    private TaskCompletionSource _next = NewSource();

    /// <summary>Completes at the next loss after it was read.</summary>
    public Task NextLoss => Volatile.Read(ref _next).Task;

    public void NotifyGatewayCountChanged(int currentNumberOfGateways, int previousNumberOfGateways, bool connectionRecovered)
    {
        if (currentNumberOfGateways < previousNumberOfGateways)
        {
            Fire();
        }
    }

    public void NotifyClusterConnectionLost() => Fire();

    private void Fire() => Interlocked.Exchange(ref _next, NewSource()).TrySetResult();

    private static TaskCompletionSource NewSource() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}
