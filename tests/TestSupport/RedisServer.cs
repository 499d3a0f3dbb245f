using System.Diagnostics;

namespace Engine.TestSupport;

/// <summary>
/// A private redis-server process on a free loopback port, for tests that stop and start Redis without
/// disturbing the shared one.
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private Process? _process;

    public int Port { get; } = FreePorts.Next();
    public string Configuration => $"127.0.0.1:{Port},abortConnect=false,connectTimeout=1000,syncTimeout=1000,asyncTimeout=1000";

    public async Task StartAsync()
    {
        _process = Process.Start(new ProcessStartInfo("redis-server")
        {
            ArgumentList = { "--port", Port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no" },
            RedirectStandardOutput = true,
            UseShellExecute = false,
        }) ?? throw new InvalidOperationException("redis-server did not start; is it installed? (tests/run.sh installs it)");
        _process.BeginOutputReadLine();
        await Eventually.GetAsync(async () =>
        {
            using var client = new System.Net.Sockets.TcpClient();
            await client.ConnectAsync("127.0.0.1", Port);
            return true;
        }, ok => ok, TimeSpan.FromSeconds(10), "redis-server accepting connections");
    }

    /// <summary>
    /// SIGSTOP: Redis keeps its connections but answers nothing, as a hung or partitioned server does
    /// (clients time out instead of being refused). <see cref="Resume"/> lets it go on.
    /// </summary>
    public void Pause() => Signals.Send(_process!.Id, Signals.Stop);

    public void Resume() => Signals.Send(_process!.Id, Signals.Continue);

    public async Task StopAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process?.Dispose();
    }
}
