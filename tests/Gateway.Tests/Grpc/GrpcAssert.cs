using Google.Rpc;
using Grpc.Core;

namespace Engine.Gateway.Tests.Grpc;

internal static class GrpcAssert
{
    public static async Task<RpcException> FailsWithAsync(StatusCode expected, Func<Task> call, string? messageContains = null)
    {
        var error = await Assert.ThrowsAsync<RpcException>(call);
        Assert.True(expected == error.StatusCode, $"expected {expected}, got {error.StatusCode}: {error.Status.Detail}");
        if (messageContains is not null)
        {
            Assert.Contains(messageContains, error.Status.Detail, StringComparison.Ordinal);
        }

        return error;
    }

    /// <summary>The error's google.rpc detail of type <typeparamref name="T"/>, as a client reads it; fails when it has none.</summary>
    public static T Detail<T>(RpcException error) where T : class, Google.Protobuf.IMessage<T>, new() =>
        error.GetRpcStatus()?.GetDetail<T>() ?? throw new Xunit.Sdk.XunitException($"{error.StatusCode} ({error.Status.Detail}) carries no {typeof(T).Name}");

    /// <summary>The ErrorInfo reason of an engine error (domain engine.v1).</summary>
    public static string Reason(RpcException error)
    {
        var info = Detail<ErrorInfo>(error);
        Assert.Equal("engine.v1", info.Domain);
        return info.Reason;
    }
}
