using System.Diagnostics.CodeAnalysis;
using Google.Protobuf;
using Google.Protobuf.Reflection;
using Google.Protobuf.WellKnownTypes;
using Google.Rpc;

namespace Engine.Gateway.Grpc;

/// <summary>
/// The gateway's gRPC failures, each with a status code, a message a developer can act on and, where a
/// program should react, google.rpc details in the grpc-status-details-bin trailer: BadRequest naming
/// the field, ErrorInfo with a reason code, RetryInfo saying when to try again.
/// </summary>
internal static class RpcErrors
{
    /// <summary>The ErrorInfo domain of every engine error.</summary>
    public const string Domain = "engine.v1";

    /// <summary>The detail types errors carry, for anything that must read them (HTTP/JSON error bodies).</summary>
    public static TypeRegistry DetailTypes { get; } = TypeRegistry.FromMessages(BadRequest.Descriptor, ErrorInfo.Descriptor, RetryInfo.Descriptor);

    [DoesNotReturn]
    public static void InvalidArgument(string field, string problem) => throw WithDetails(StatusCode.InvalidArgument, $"{field}: {problem}",
        new BadRequest { FieldViolations = { new BadRequest.Types.FieldViolation { Field = field, Description = problem } } });

    /// <summary><see cref="InvalidArgument(string, string)"/>, typed so that it can end an expression.</summary>
    public static T InvalidArgument<T>(string field, string problem)
    {
        InvalidArgument(field, problem);
        return default!;
    }

    [DoesNotReturn]
    public static void NotFound(string what) => throw new RpcException(new global::Grpc.Core.Status(StatusCode.NotFound, $"{what} does not exist"));

    [DoesNotReturn]
    public static void AlreadyExists(string what) => throw new RpcException(new global::Grpc.Core.Status(StatusCode.AlreadyExists, $"{what} already exists"));

    [DoesNotReturn]
    public static void Unauthenticated(string why) => throw new RpcException(new global::Grpc.Core.Status(StatusCode.Unauthenticated, why));

    [DoesNotReturn]
    public static void PermissionDenied(string why) => throw new RpcException(new global::Grpc.Core.Status(StatusCode.PermissionDenied, why));

    [DoesNotReturn]
    public static void FailedPrecondition(string why) => throw new RpcException(new global::Grpc.Core.Status(StatusCode.FailedPrecondition, why));

    /// <summary>The engine refused the request for <paramref name="reason"/> (an <see cref="ErrorReasons"/> code), with facts a program can use.</summary>
    public static RpcException Refused(StatusCode code, string message, string reason, IReadOnlyDictionary<string, string> metadata) =>
        WithDetails(code, message, Info(reason, metadata));

    /// <summary>Try again after <paramref name="delay"/>: RESOURCE_EXHAUSTED or UNAVAILABLE with RetryInfo and the reason.</summary>
    public static RpcException RetryLater(StatusCode code, string message, string reason, TimeSpan delay) =>
        WithDetails(code, message, Info(reason, new Dictionary<string, string>()), new RetryInfo { RetryDelay = Duration.FromTimeSpan(delay) });

    /// <summary>The gateway is stopping: a stream ends so that its client resumes through another one.</summary>
    [DoesNotReturn]
    public static void ShuttingDown() => throw RetryLater(
        StatusCode.Unavailable, "The gateway is shutting down; resume from the last cursor received.", ErrorReasons.GatewayShuttingDown, TimeSpan.Zero);

    private static ErrorInfo Info(string reason, IReadOnlyDictionary<string, string> metadata) =>
        new() { Reason = reason, Domain = Domain, Metadata = { metadata.ToDictionary() } };

    private static RpcException WithDetails(StatusCode code, string message, params IMessage[] details) =>
        new Google.Rpc.Status { Code = (int)code, Message = message, Details = { details.Select(Any.Pack) } }.ToRpcException();
}
