using System.Globalization;
using Engine.TestSupport;

namespace Engine.Faults.Tests;

/// <summary>
/// What one case did to its traffic. Lost: acknowledged webhooks missing from the message log, and
/// acknowledged sends that never reached the provider. Duplicated: a send the provider got twice, or
/// a webhook stored twice. Errors: failed client attempts, and the span between the first and the last;
/// server errors among them are answers other than "unavailable, retry" (a 500, gRPC UNKNOWN or INTERNAL).
/// </summary>
public sealed record FaultCounts(
    string Case, int Acknowledged, int Lost, int Duplicated, int Undelivered, int Errors, double ErrorWindowSeconds, double LastErrorSeconds, int ServerErrors, int GaveUp)
{
    private static readonly TimeSpan SettleTimeout = TimeSpan.FromSeconds(60);

    /// <param name="waitForDelivery">Wait for every send to be reported delivered; otherwise count those that are by then
    /// (a status callback to a stopped gateway is not sent again, so a message can stay "sent").</param>
    public static async Task<FaultCounts> MeasureAsync(FaultCluster cluster, SteadyLoad load, string caseName, bool waitForDelivery)
    {
        var sids = load.AcceptedWebhooks.ToArray();
        var bodies = load.AcceptedSends.Keys.ToHashSet(StringComparer.Ordinal);
        var messageIds = load.AcceptedSends.Values.Distinct().ToArray();
        var stored = await SettleAsync(
            () => cluster.Database.CountAsync("SELECT count(DISTINCT provider_message_id) FROM message_log WHERE direction = 'inbound' AND provider_message_id = ANY($1)", (object)sids),
            sids.Length);
        var storedTwice = await cluster.Database.CountAsync(
            "SELECT count(*) FROM (SELECT provider_message_id FROM message_log WHERE direction = 'inbound' AND provider_message_id = ANY($1) GROUP BY 1 HAVING count(*) > 1) twice", (object)sids);
        var reached = await SettleAsync(() => Task.FromResult((long)cluster.Simulator.Sent.Where(m => bodies.Contains(m.Body ?? "")).Select(m => m.Body).Distinct().Count()), bodies.Count);
        var sentTwice = cluster.Simulator.Sent.Where(m => bodies.Contains(m.Body ?? "")).GroupBy(m => m.Body).Count(g => g.Count() > 1);
        var delivered = await SettleAsync(
            () => cluster.Database.CountAsync("SELECT count(*) FROM message_log WHERE message_id = ANY($1::uuid[]) AND status = 'delivered'", (object)messageIds),
            waitForDelivery ? messageIds.Length : 0);
        var errors = load.Errors.ToArray();
        var window = errors.Length == 0 ? 0 : errors.Max(e => e.At) - errors.Min(e => e.At);
        return new FaultCounts(
            caseName, sids.Length + bodies.Count, (int)(sids.Length - stored + bodies.Count - reached), (int)storedTwice + sentTwice,
            (int)(messageIds.Length - delivered), errors.Length, window, errors.Length == 0 ? 0 : errors.Max(e => e.At),
            errors.Count(e => IsServerError(e.What)),
            load.GaveUp);
    }

    /// <summary>An answer other than "unavailable, retry": a 500, gRPC UNKNOWN or INTERNAL.</summary>
    public static bool IsServerError(string error) =>
        error.StartsWith("webhook 500", StringComparison.Ordinal) || error.StartsWith("gRPC Unknown", StringComparison.Ordinal) || error.StartsWith("gRPC Internal", StringComparison.Ordinal);

    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"FAULT {Case}: acknowledged {Acknowledged}, lost {Lost}, duplicated {Duplicated}, undelivered {Undelivered}, errors {Errors} within {ErrorWindowSeconds:F1}s, the last at {LastErrorSeconds:F1}s ({ServerErrors} server errors), gave up {GaveUp}");

    // The count once it reaches what is expected, or what it is when the time is up.
    private static async Task<long> SettleAsync(Func<Task<long>> count, long expected)
    {
        var deadline = DateTimeOffset.UtcNow + SettleTimeout;
        long value;
        while ((value = await count()) < expected && DateTimeOffset.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }

        return value;
    }
}
