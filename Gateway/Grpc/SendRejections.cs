using Engine.Grains.Abstractions.Conversations;

namespace Engine.Gateway.Grpc;

/// <summary>A refused send as a gRPC error: the status code for its rejection and trailers naming it.</summary>
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
        throw new RpcException(new Status(code, result.Reason ?? result.Rejection.ToString()), new Metadata
        {
            { "engine-message-id", result.MessageId.ToString() },
            { "engine-send-status", "REJECTED" },
            { "engine-rejection", result.Rejection.ToString() },
        });
    }
}
