using System.CommandLine;
using Grpc.Core;
using Grpc.Net.Client;
using Spectre.Console;

namespace Engine.Cli;

/// <summary>What a command needs: the gRPC channel and credentials, the HTTP endpoint, the console.</summary>
internal sealed class CliContext : IDisposable
{
    private CliContext(GrpcChannel channel, Metadata auth, string httpUrl, CancellationToken cancellationToken)
    {
        (Channel, Auth, HttpUrl, CancellationToken) = (channel, auth, httpUrl, cancellationToken);
        Console = AnsiConsole.Console;
    }

    public GrpcChannel Channel { get; }
    public Metadata Auth { get; }
    public string HttpUrl { get; }
    public CancellationToken CancellationToken { get; }
    public IAnsiConsole Console { get; }

    public CallOptions Call => new(Auth, cancellationToken: CancellationToken);

    public static CliContext From(ParseResult parsed, CancellationToken cancellationToken)
    {
        var (grpcUrl, url, key) = ConnectionOptions.Resolve(parsed);
        if (!Uri.TryCreate(grpcUrl, UriKind.Absolute, out var grpcUri))
        {
            throw new CliInputException($"--grpc-url '{grpcUrl}' is not an absolute URL");
        }

        var auth = new Metadata();
        if (key is not null)
        {
            auth.Add("authorization", $"Bearer {key}");
        }

        return new CliContext(GrpcChannel.ForAddress(grpcUri), auth, url.TrimEnd('/'), cancellationToken);
    }

    public void Dispose() => Channel.Dispose();
}
