using System.Diagnostics;
using System.Net.Http.Json;
using Engine.TestSupport;

namespace Engine.Silo.Tests.Cli;

/// <summary>
/// An embedded gateway process, started as `dotnet run --project Gateway` starts it, and the `engine` CLI
/// run against it as its own process, as a user runs it.
/// </summary>
public sealed class CliGateway : IAsyncLifetime
{
    public const string AdminKey = "cli-test-admin-key";

    private EngineProcess? _gateway;

    public string HttpUrl { get; } = $"http://127.0.0.1:{FreePorts.Next()}";
    public string GrpcUrl { get; } = $"http://127.0.0.1:{FreePorts.Next()}";
    public HttpClient Http { get; private set; } = null!;
    public string Output => _gateway?.Output ?? "";

    public async ValueTask InitializeAsync()
    {
        _gateway = EngineProcess.Start("Gateway", new Dictionary<string, string>
        {
            ["Gateway__HttpUrl"] = HttpUrl,
            ["Gateway__GrpcUrl"] = GrpcUrl,
            ["Engine__PublicBaseUrl"] = HttpUrl,
            ["Engine__AdminApiKey"] = AdminKey,
            ["Orleans__SiloPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        Http = new HttpClient { BaseAddress = new Uri(HttpUrl), Timeout = TimeSpan.FromSeconds(10) };
        await Eventually.GetAsync(async () => (await Http.GetAsync("/healthz")).IsSuccessStatusCode, up => up, TimeSpan.FromSeconds(60), "the embedded gateway to listen");
    }

    /// <summary>Runs `engine ARGS` with the server and key in ENGINE_* variables, as a shell user would set them.</summary>
    public Task<CliRun> RunAsync(params string[] args) => RunWithAsync(new Dictionary<string, string?>(), args);

    /// <summary>Runs `engine ARGS` with <paramref name="environment"/> over the ENGINE_* variables (null removes one).</summary>
    public async Task<CliRun> RunWithAsync(IReadOnlyDictionary<string, string?> environment, params string[] args)
    {
        var variables = new Dictionary<string, string?> { ["ENGINE_GRPC_URL"] = GrpcUrl, ["ENGINE_URL"] = HttpUrl, ["ENGINE_KEY"] = AdminKey };
        foreach (var (name, value) in environment)
        {
            variables[name] = value;
        }

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(EngineProcess.BuildOutput("Cli", "engine"));
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment["ENGINE_PROFILE"] = null; // never a developer's own profile
        start.Environment["HOME"] = Path.GetTempPath();
        foreach (var (name, value) in variables)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var (stdout, stderr) = (process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        await process.WaitForExitAsync(timeout.Token);
        return new CliRun(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>What the simulator, standing in for Twilio and Meta, received so far.</summary>
    public async Task<List<SimulatedSend>> SentAsync() => (await Http.GetFromJsonAsync<List<SimulatedSend>>("/simulator/messages"))!;

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        if (_gateway is not null)
        {
            await _gateway.DisposeAsync();
        }
    }
}

/// <summary>One run of the CLI.</summary>
public sealed record CliRun(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}{Environment.NewLine}stdout:{Environment.NewLine}{Stdout}{Environment.NewLine}stderr:{Environment.NewLine}{Stderr}";
}

public sealed record SimulatedSend(string Provider, string To, string? Body);
