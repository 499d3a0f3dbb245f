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
}
