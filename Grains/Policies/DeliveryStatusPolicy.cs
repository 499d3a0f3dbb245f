using Engine.Grains.Abstractions.Messages;

namespace Engine.Grains.Policies;

/// <summary>
/// The forward-only order of outbound statuses. Reports arrive out of order and more than once;
/// a report applies only when its rank is higher than the stored one. Terminal statuses share the
/// top rank, so nothing replaces them.
/// </summary>
public static class DeliveryStatusPolicy
{
    /// <summary>The rank shared by every terminal status.</summary>
    public const short TerminalRank = 100;

    /// <summary>The rank of a status; higher ranks replace lower ones.</summary>
    public static short RankOf(DeliveryStatus status) => status switch
    {
        DeliveryStatus.Received => 0,
        DeliveryStatus.Scheduled => 1,
        DeliveryStatus.Queued => 2,
        DeliveryStatus.Sending => 3,
        DeliveryStatus.Sent => 4,
        DeliveryStatus.Delivered => 5,
        DeliveryStatus.Read or DeliveryStatus.Failed or DeliveryStatus.Undelivered or DeliveryStatus.Canceled or DeliveryStatus.Suppressed => TerminalRank,
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, "Unknown status."),
    };

    /// <summary>True when a report of <paramref name="next"/> may replace <paramref name="current"/>.</summary>
    public static bool CanAdvance(DeliveryStatus current, DeliveryStatus next) => RankOf(next) > RankOf(current);

    /// <summary>Statuses of messages withdrawn before they reached a provider.</summary>
    public static bool IsWithdrawn(DeliveryStatus status) => status is DeliveryStatus.Canceled or DeliveryStatus.Suppressed;
}
