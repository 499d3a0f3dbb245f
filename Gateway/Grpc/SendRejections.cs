using Engine.Grains.Abstractions.Conversations;

namespace Engine.Gateway.Grpc;

/// <summary>A refused send as a gRPC error: the status code for its rejection, and ErrorInfo naming it and the message.</summary>
internal static class SendRejections
{
    public static void ThrowIfRejected(SendResult result)
    {
        if (result.Disposition != SendDisposition.Rejected)
        {
            return;
        }

        var code = result.Rejection switch
        {
            RejectionCode.InvalidRequest => StatusCode.InvalidArgument,
            RejectionCode.UnknownLead => StatusCode.NotFound,
            _ => StatusCode.FailedPrecondition,
        };
        throw RpcErrors.Refused(code, result.Reason ?? result.Rejection.ToString(), ErrorReasons.Of(result.Rejection),
            new Dictionary<string, string> { ["message_id"] = result.MessageId.ToString() });
    }
}
