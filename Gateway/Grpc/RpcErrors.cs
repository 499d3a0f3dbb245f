using System.Diagnostics.CodeAnalysis;

namespace Engine.Gateway.Grpc;

/// <summary>The gateway's gRPC failures, each with a status code and a message a developer can act on.</summary>
internal static class RpcErrors
{
    [DoesNotReturn]
    public static void InvalidArgument(string field, string problem) =>
        throw new RpcException(new Status(StatusCode.InvalidArgument, $"{field}: {problem}"));

    [DoesNotReturn]
    public static void NotFound(string what) => throw new RpcException(new Status(StatusCode.NotFound, $"{what} does not exist"));

    [DoesNotReturn]
    public static void AlreadyExists(string what) => throw new RpcException(new Status(StatusCode.AlreadyExists, $"{what} already exists"));

    [DoesNotReturn]
    public static void Unauthenticated(string why) => throw new RpcException(new Status(StatusCode.Unauthenticated, why));

    [DoesNotReturn]
    public static void PermissionDenied(string why) => throw new RpcException(new Status(StatusCode.PermissionDenied, why));

    [DoesNotReturn]
    public static void FailedPrecondition(string why) => throw new RpcException(new Status(StatusCode.FailedPrecondition, why));

    /// <summary>The gateway is stopping: a stream ends so that its client resumes through another one.</summary>
    [DoesNotReturn]
    public static void ShuttingDown() =>
        throw new RpcException(new Status(StatusCode.Unavailable, "The gateway is shutting down; resume from the last cursor received."));
}
