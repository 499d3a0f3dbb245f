namespace Engine.Simulator;

/// <summary>
/// A fault to inject into the next <see cref="Times"/> matching requests: an HTTP status with a
/// provider error code, and/or latency. With <see cref="KeepMessage"/> the message is stored whatever
/// the answer (a timeout or a 5xx after the provider took it). With <see cref="To"/> it only applies to
/// requests for that number. <see cref="Call"/> is "send" (create a message) or "list" (Twilio's
/// message list, which reconciliation reads).
/// </summary>
public sealed record SimulatedFault(
    string Provider, int Status = 0, int? Code = null, string? Message = null, int LatencyMs = 0, int Times = 1, bool KeepMessage = false, string? To = null,
    string Call = SimulatedFault.Send)
{
    public const string Send = "send";
    public const string List = "list";
}
