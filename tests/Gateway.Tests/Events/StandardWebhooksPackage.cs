using System.ComponentModel;
using System.Diagnostics;
using System.Text.Json;

namespace Engine.Gateway.Tests.Events;

/// <summary>
/// The published npm package "standardwebhooks", run with Node.js the way a partner would verify a
/// delivery. It is installed once into the test output (npm's cache beside it), so a clean clone needs
/// only Node.js, npm and the npm registry; a half-finished install is never mistaken for a good one.
/// </summary>
internal static class StandardWebhooksPackage
{
    private const string Package = "standardwebhooks@1.3.0";
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(3);
    private static readonly string Root = Path.Combine(AppContext.BaseDirectory, "npm");
    private static readonly string InstallFolder = Path.Combine(Root, Package.Replace('@', '-'));
    private static readonly Lazy<Task> Installed = new(InstallAsync);

    // Reads {secret, headers, body} from stdin; prints "ok" or the library's reason for refusing.
    private const string VerifyScript = """
        const { Webhook } = require("standardwebhooks");
        let input = "";
        process.stdin.on("data", chunk => input += chunk);
        process.stdin.on("end", () => {
          const { secret, headers, body } = JSON.parse(input);
          try {
            new Webhook(secret).verify(body, headers);
            console.log("ok");
          } catch (e) {
            console.log(`${e.name}: ${e.message}`);
          }
        });
        """;

    /// <summary>"ok" when the package accepts the delivery, else its error.</summary>
    public static async Task<string> VerifyAsync(string secret, IReadOnlyDictionary<string, string> headers, string body)
    {
        await Installed.Value;
        var input = JsonSerializer.Serialize(new { secret, headers, body });
        var (exitCode, output, error) = await RunAsync("node", ["verify.js"], InstallFolder, input, TimeSpan.FromSeconds(30));
        return exitCode == 0 ? output.Trim() : throw new InvalidOperationException($"node exited with {exitCode}: {error}");
    }

    private static async Task InstallAsync()
    {
        if (File.Exists(Path.Combine(InstallFolder, "verify.js")))
        {
            return;
        }

        // Installed in a folder of its own, then moved into place: an interrupted run leaves no partial install behind.
        var staging = Path.Combine(Root, $"staging-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        await File.WriteAllTextAsync(Path.Combine(staging, "package.json"), """{ "private": true }""");
        var (exitCode, _, error) = await RunAsync("npm",
            ["install", "--no-audit", "--no-fund", "--no-save", "--no-package-lock", "--cache", Path.Combine(Root, "cache"), Package],
            staging, stdin: null, InstallTimeout);
        if (exitCode != 0)
        {
            throw new InvalidOperationException($"npm install {Package} failed (exit code {exitCode}); the registry must be reachable: {error}");
        }

        await File.WriteAllTextAsync(Path.Combine(staging, "verify.js"), VerifyScript);
        try
        {
            Directory.Move(staging, InstallFolder);
        }
        catch (IOException) when (File.Exists(Path.Combine(InstallFolder, "verify.js")))
        {
            Directory.Delete(staging, recursive: true); // another test run installed it meanwhile
        }
    }

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(
        string program, string[] arguments, string workingDirectory, string? stdin, TimeSpan timeout)
    {
        var start = new ProcessStartInfo(program, arguments)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (Win32Exception e)
        {
            throw new InvalidOperationException(
                $"'{program}' is not on PATH: partner webhook tests verify deliveries with the npm package {Package}, which needs Node.js 18+ and npm (apt-get install nodejs npm).", e);
        }

        using (process)
        {
            using var timer = new CancellationTokenSource(timeout);
            var output = process.StandardOutput.ReadToEndAsync(timer.Token);
            var error = process.StandardError.ReadToEndAsync(timer.Token);
            await process.StandardInput.WriteAsync(stdin);
            process.StandardInput.Close();
            try
            {
                await process.WaitForExitAsync(timer.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"{program} {string.Join(' ', arguments)} did not finish within {timeout}.");
            }

            return (process.ExitCode, await output, await error);
        }
    }
}
