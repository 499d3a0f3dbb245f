using Engine.Grains.Abstractions.Conversations;

namespace Engine.Gateway.Grpc;

/// <summary>
/// The ErrorInfo reasons the gateway answers with (domain "engine.v1"): stable codes a client switches
/// on, unlike the message text. Listed for clients in conversations.proto.
/// </summary>
internal static class ErrorReasons
{
    public const string RateLimited = "RATE_LIMITED";
    public const string ClusterUnavailable = "CLUSTER_UNAVAILABLE";
    public const string GatewayShuttingDown = "GATEWAY_SHUTTING_DOWN";

    /// <summary>The reason of a refused send or opt-in request, named after the engine's rejection.</summary>
    public static string Of(RejectionCode rejection) => rejection switch
    {
        RejectionCode.OptedOut => "OPTED_OUT",
        RejectionCode.NoConsent => "NO_CONSENT",
        RejectionCode.WhatsAppWindowClosed => "WINDOW_CLOSED",
        RejectionCode.ChannelNotConfigured => "CHANNEL_NOT_CONFIGURED",
        RejectionCode.InvalidRequest => "INVALID_REQUEST",
        RejectionCode.UnknownLead => "UNKNOWN_LEAD",
        RejectionCode.AlreadyOptedIn => "ALREADY_OPTED_IN",
        _ => throw new ArgumentOutOfRangeException(nameof(rejection), rejection, "not a rejection"),
    };
}
