using Engine.Gateway.Hosting;
using Grpc.Core.Interceptors;

namespace Engine.Gateway.Grpc;

/// <summary>
/// Answers every gRPC call that fails because the cluster cannot be reached with UNAVAILABLE (which
/// gRPC clients treat as retryable), a message saying so and RetryInfo with the wait, rather
/// than UNKNOWN with the exception logged as an error. Registered once for all services.
/// </summary>
internal sealed class ClusterUnavailableInterceptor(ILogger<ClusterUnavailableInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (ClusterFaults.IsUnavailable(e))
        {
            throw Unavailable(context, e);
        }
    }

    public override async Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(requestStream, context);
        }
        catch (Exception e) when (ClusterFaults.IsUnavailable(e))
        {
            throw Unavailable(context, e);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (ClusterFaults.IsUnavailable(e))
        {
            throw Unavailable(context, e);
        }
    }

    public override async Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(requestStream, responseStream, context);
        }
        catch (Exception e) when (ClusterFaults.IsUnavailable(e))
        {
            throw Unavailable(context, e);
        }
    }

    private RpcException Unavailable(ServerCallContext context, Exception e)
    {
        ClusterFaults.Log(logger, context.Method, nameof(StatusCode.Unavailable), e);
        return RpcErrors.RetryLater(StatusCode.Unavailable, ClusterFaults.Message, ErrorReasons.ClusterUnavailable, ClusterFaults.RetryAfter);
    }
}
