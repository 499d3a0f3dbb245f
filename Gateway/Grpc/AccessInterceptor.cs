using Google.Protobuf;
using Google.Protobuf.Reflection;
using Grpc.Core.Interceptors;

namespace Engine.Gateway.Grpc;

/// <summary>
/// Authentication, tenant scope and per-key rate limits for every gRPC and HTTP/JSON call, before the
/// service method runs: the method's <see cref="AccessAttribute"/> says who may call it, the request's
/// tenant_id says whose data it touches. A method that declares no access is refused, so a new one
/// cannot be left open by forgetting. A client stream is checked on its first message (the rows of an
/// import name their tenant) and takes one of its key's calls per <see cref="MessagesPerCall"/>
/// messages after that, waiting for the limit rather than failing, so a stream slows to its key's rate.
/// </summary>
internal sealed class AccessInterceptor(CallerAuthentication authentication) : Interceptor
{
    public const int MessagesPerCall = 100;

    private CallerAuthentication Authentication { get; } = authentication;

    // Open to anyone, as probes and tooling expect; they read nothing of a tenant's.
    private static readonly string[] PublicServices = ["/grpc.health.v1.Health/", "/grpc.reflection.v1.ServerReflection/", "/grpc.reflection.v1alpha.ServerReflection/"];

    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(
        TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context, request);
        return await continuation(request, context);
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(
        TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        await AuthorizeAsync(context, request);
        await continuation(request, responseStream, context);
    }

    public override Task<TResponse> ClientStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, ServerCallContext context, ClientStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(Checked(requestStream, context), context);

    public override Task DuplexStreamingServerHandler<TRequest, TResponse>(
        IAsyncStreamReader<TRequest> requestStream, IServerStreamWriter<TResponse> responseStream, ServerCallContext context,
        DuplexStreamingServerMethod<TRequest, TResponse> continuation) =>
        continuation(Checked(requestStream, context), responseStream, context);

    private IAsyncStreamReader<TRequest> Checked<TRequest>(IAsyncStreamReader<TRequest> requestStream, ServerCallContext context) =>
        IsPublic(context) ? requestStream : new CheckedStream<TRequest>(requestStream, context, this);

    private async Task<Caller?> AuthorizeAsync(ServerCallContext context, object? request)
    {
        if (IsPublic(context))
        {
            return null;
        }

        var access = context.GetHttpContext().GetEndpoint()?.Metadata.GetMetadata<AccessAttribute>();
        if (access is null)
        {
            RpcErrors.PermissionDenied($"{context.Method} declares no access rule, so no one may call it");
        }

        var tenantId = TenantIdOf(request);
        var caller = await Authentication.AuthorizeAsync(context, access.Role, tenantId);
        if (tenantId is not null)
        {
            RequestValidation.RequireTenantId(tenantId);
        }

        return caller;
    }

    private static bool IsPublic(ServerCallContext context) => PublicServices.Any(s => context.Method.StartsWith(s, StringComparison.Ordinal));

    /// <summary>The request's tenant_id field; null for a request without one.</summary>
    private static string? TenantIdOf(object? request) =>
        request is IMessage message && message.Descriptor.FindFieldByName("tenant_id") is { FieldType: FieldType.String } field
            ? (string)field.Accessor.GetValue(message)
            : null;

    // Authorizes on the first message (or on an empty stream's end), then waits for a call per batch.
    private sealed class CheckedStream<T>(IAsyncStreamReader<T> inner, ServerCallContext context, AccessInterceptor interceptor) : IAsyncStreamReader<T>
    {
        private Caller? _caller;
        private long _read;

        public T Current => inner.Current;

        public async Task<bool> MoveNext(CancellationToken cancellationToken)
        {
            var more = await inner.MoveNext(cancellationToken);
            if (_caller is null)
            {
                _caller = await interceptor.AuthorizeAsync(context, more ? inner.Current : null);
            }
            else if (more && _read % MessagesPerCall == 0)
            {
                await interceptor.Authentication.WaitForCallAsync(_caller, cancellationToken);
            }

            _read += more ? 1 : 0;
            return more;
        }
    }
}
