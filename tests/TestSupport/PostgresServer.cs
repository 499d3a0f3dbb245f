using System.Diagnostics;
using Npgsql;

namespace Engine.TestSupport;

/// <summary>
/// A private PostgreSQL on a free loopback port, for tests that restart the database without
/// disturbing the shared one other suites use. Uses the binaries tests/services.sh found
/// (ENGINE_PG_BIN) and, when run as root, the postgres account, as services.sh does.
/// </summary>
public sealed class PostgresServer : IAsyncDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("engine-faults-pg.").FullName;

    public int Port { get; } = FreePorts.Next();

    public string ConnectionString => $"Host=127.0.0.1;Port={Port};Username=postgres;Database=postgres;Pooling=true;Maximum Pool Size=100;Timeout=5";

    private static string Bin => Environment.GetEnvironmentVariable("ENGINE_PG_BIN") is { Length: > 0 } bin
        ? bin
        : throw new InvalidOperationException("ENGINE_PG_BIN is not set. Run the tests with tests/run.sh, which finds PostgreSQL and sets it.");

    private string DataDirectory => Path.Combine(_directory, "data");

    public async Task StartAsync()
    {
        if (Environment.UserName == "root")
        {
            await RunAsync("chown", "postgres", _directory);
        }

        await RunAsPostgresAsync(Path.Combine(Bin, "initdb"), "-D", DataDirectory, "-U", "postgres", "--auth=trust", "-E", "UTF8");
        await PgCtlAsync("start");
    }

    /// <summary>pg_ctl restart -m fast: every connection is closed, in-flight transactions roll back.</summary>
    public Task RestartAsync() => PgCtlAsync("restart", "-m", "fast");

    public async ValueTask DisposeAsync()
    {
        try
        {
            await RunAsPostgresAsync(Path.Combine(Bin, "pg_ctl"), "-D", DataDirectory, "-m", "immediate", "stop");
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            Directory.Delete(_directory, recursive: true);
        }
    }

    private Task PgCtlAsync(params string[] command) => RunAsPostgresAsync(
        [Path.Combine(Bin, "pg_ctl"), "-D", DataDirectory, "-l", Path.Combine(_directory, "postgres.log"), "-w", "-t", "60",
            "-o", $"-c listen_addresses=127.0.0.1 -c port={Port} -c unix_socket_directories={_directory} -c max_connections=300", .. command]);

    private static Task RunAsPostgresAsync(params string[] command) =>
        Environment.UserName == "root" ? RunAsync("runuser", ["-u", "postgres", "--", .. command]) : RunAsync(command[0], command[1..]);

    private static async Task RunAsync(string file, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output}{await errors}");
        }
    }
}
