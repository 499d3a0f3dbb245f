using System.Collections.Concurrent;
using Engine.Grains.Events;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;

namespace Engine.Gateway.Tests.Events;

/// <summary>One delivery as the partner got it: the body, the Standard Webhooks headers and the answer it gave.</summary>
internal sealed record PartnerDelivery(string Body, IReadOnlyDictionary<string, string> Headers, int Status)
{
    public string WebhookId => Headers[StandardWebhookSignature.IdHeader];
}

/// <summary>A partner's webhook receiver on loopback that can refuse the first N deliveries (or all).</summary>
internal sealed class PartnerServer : IAsyncDisposable
{
    private static readonly string[] SignatureHeaders =
        [StandardWebhookSignature.IdHeader, StandardWebhookSignature.TimestampHeader, StandardWebhookSignature.SignatureHeader];

    private readonly ConcurrentQueue<PartnerDelivery> _received = new();
    private WebApplication _app = null!;
    private int _failuresLeft;

    public string Url { get; private set; } = "";
    public IReadOnlyList<PartnerDelivery> Received => _received.ToArray();

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
            var headers = SignatureHeaders.Where(request.Headers.ContainsKey).ToDictionary(name => name, name => request.Headers[name].ToString());
            server._received.Enqueue(new PartnerDelivery(body, headers, status));
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
