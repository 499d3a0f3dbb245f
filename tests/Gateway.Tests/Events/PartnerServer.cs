using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Engine.Gateway.Tests.Events;

/// <summary>A partner's webhook receiver on loopback that can refuse the first N deliveries (or all).</summary>
internal sealed class PartnerServer : IAsyncDisposable
{
    private readonly ConcurrentQueue<(string Body, string Signature, int Status)> _received = new();
    private WebApplication _app = null!;
    private int _failuresLeft;

    public string Url { get; private set; } = "";
    public IReadOnlyList<(string Body, string Signature, int Status)> Received => _received.ToArray();

    /// <summary>Starts the receiver; refusals answer 500 with <paramref name="failureBody"/>.</summary>
    public static async Task<PartnerServer> StartAsync(int failFirst, string failureBody = "")
    {
        var server = new PartnerServer { _failuresLeft = failFirst };
        var (builder, baseUrl) = LoopbackServer.CreateBuilder();
        server._app = builder.Build();
        server._app.MapPost("/hooks", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            var body = await reader.ReadToEndAsync();
            var status = Interlocked.Decrement(ref server._failuresLeft) >= 0 ? 500 : 204;
            server._received.Enqueue((body, request.Headers["Engine-Signature"].ToString(), status));
            return status == 500 ? Results.Text(failureBody, statusCode: status) : Results.StatusCode(status);
        });
        await server._app.StartAsync();
        server.Url = $"{baseUrl}/hooks";
        return server;
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
