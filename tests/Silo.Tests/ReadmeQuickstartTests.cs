using System.Diagnostics;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Engine.TestSupport;

namespace Engine.Silo.Tests;

/// <summary>
/// README's Quickstart, run as a new user would run it: the fenced bash block under "## Quickstart",
/// executed by bash against the embedded gateway started the way `dotnet run --project Gateway` starts it,
/// with the admin key taken from the gateway's QUICKSTART banner. If the README drifts, this fails.
/// </summary>
public sealed partial class ReadmeQuickstartTests
{
    [Fact]
    public async Task ReadmeQuickstart_RunsToTheEnd_AndTheSimulatorGetsTheMessageAndTheStopConfirmation()
    {
        var baseUrl = $"http://127.0.0.1:{FreePorts.Next()}";
        await using var gateway = EngineProcess.Start("Gateway", new Dictionary<string, string>
        {
            ["Gateway__HttpUrl"] = baseUrl,
            ["Gateway__GrpcUrl"] = $"http://127.0.0.1:{FreePorts.Next()}",
            ["Engine__PublicBaseUrl"] = baseUrl,
            ["Orleans__SiloPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Orleans__GatewayPort"] = FreePorts.Next().ToString(System.Globalization.CultureInfo.InvariantCulture),
        });
        using var http = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(5) };
        await Eventually.GetAsync(async () => (await http.GetAsync("/healthz")).IsSuccessStatusCode, up => up, TimeSpan.FromSeconds(60), "the embedded gateway to listen");
        var banner = await Eventually.GetAsync(() => Task.FromResult(GeneratedKey().Match(gateway.Output)), m => m.Success, TimeSpan.FromSeconds(10), "the QUICKSTART banner");
        var key = banner.Groups["key"].Value;

        var (exitCode, output) = await RunBashAsync(QuickstartBlock(), new Dictionary<string, string> { ["ENGINE_URL"] = baseUrl, ["ENGINE_KEY"] = key });

        Assert.True(exitCode == 0, $"the README quickstart exited {exitCode}:{Environment.NewLine}{output}{Environment.NewLine}gateway:{Environment.NewLine}{gateway.Output}");
        var sent = await Eventually.GetAsync(
            () => http.GetFromJsonAsync<List<SentMessage>>("/simulator/messages")!,
            messages => messages!.Any(m => m.Body?.Contains("unsubscribed", StringComparison.Ordinal) == true), TimeSpan.FromSeconds(10), "the STOP confirmation in the simulator");
        Assert.Equal(2, sent!.Count(m => m.To == "+14155550123"));
        Assert.Contains(sent!, m => m.Body == "Hi Pat, your test drive is at 5pm.");
        Assert.Contains("\"body\":\"STOP\"", output, StringComparison.Ordinal); // the conversation the block printed last
    }

    private sealed record SentMessage(string Provider, string To, string? Body);

    /// <summary>The first ```bash block after the "## Quickstart" heading of README.md.</summary>
    private static string QuickstartBlock()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryRoot.Path, "README.md"));
        var section = readme[readme.IndexOf("\n## Quickstart\n", StringComparison.Ordinal)..];
        var block = FencedBash().Match(section);
        Assert.True(block.Success, "README's Quickstart has no ```bash block");
        return block.Groups["script"].Value;
    }

    private static async Task<(int ExitCode, string Output)> RunBashAsync(string script, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("bash", ["-e", "-o", "pipefail", "-c", script])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var bash = Process.Start(start)!;
        var (stdout, stderr) = (bash.StandardOutput.ReadToEndAsync(), bash.StandardError.ReadToEndAsync());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await bash.WaitForExitAsync(timeout.Token);
        return (bash.ExitCode, await stdout + await stderr);
    }

    [GeneratedRegex(@"ENGINE_KEY=(?<key>admin-[A-Za-z0-9_=-]+)")]
    private static partial Regex GeneratedKey();

    [GeneratedRegex(@"```bash\n(?<script>.*?)\n```", RegexOptions.Singleline)]
    private static partial Regex FencedBash();
}
