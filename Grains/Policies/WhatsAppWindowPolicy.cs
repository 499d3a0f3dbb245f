namespace Engine.Grains.Policies;

/// <summary>
/// WhatsApp's customer service window: free-form messages may be sent for 24 hours after the lead's
/// last inbound message; outside it only approved templates may be sent.
/// </summary>
public static class WhatsAppWindowPolicy
{
    /// <summary>The length of the customer service window.</summary>
    public static readonly TimeSpan WindowLength = TimeSpan.FromHours(24);

    /// <summary>True while free-form text is allowed; closed at exactly 24 hours.</summary>
    public static bool IsOpen(DateTimeOffset? lastInboundAt, DateTimeOffset now) =>
        lastInboundAt is { } last && now < last + WindowLength;
}
