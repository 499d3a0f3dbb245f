using System.Diagnostics;

namespace Engine.TestSupport;

/// <summary>
/// A Silo or Gateway started as its own operating-system process from the build output, with its
/// console captured. Disposing ends it; <see cref="KillHard"/> ends it the way a crash would.
/// </summary>
public sealed class EngineProcess : IAsyncDisposable
{
    private const int KeptLines = 5_000; // a long-running process may log a lot: keep the tail only

    private readonly Process _process;
    private readonly Queue<string> _output = new();
    private readonly Lock _gate = new();
    private StreamWriter? _logFile;

    private EngineProcess(Process process) => _process = process;

    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    public int ExitCode => _process.ExitCode;

    /// <summary>The last lines the process wrote to stdout and stderr.</summary>
    public string Output
    {
        get
        {
            lock (_gate)
            {
                return string.Join(Environment.NewLine, _output);
            }
        }
    }

    /// <summary>Starts "Engine.{project}.dll" of the same build configuration as the tests.</summary>
    public static EngineProcess Start(string project, IReadOnlyDictionary<string, string> environment, params string[] arguments)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            ArgumentList = { BuildOutput(project) },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(BuildOutput(project))!,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        startInfo.Environment["DOTNET_ENVIRONMENT"] = "Production";
        startInfo.Environment["Logging__LogLevel__Default"] = "Warning";
        // A PostgreSQL-backed process needs a key-encryption key (the environment below may replace or
        // blank it); an embedded one is left to make up its own.
        if (environment.ContainsKey("ConnectionStrings__Postgres"))
        {
            foreach (var (key, value) in TestEncryption.Environment)
            {
                startInfo.Environment[key] = value;
            }
        }

        foreach (var (key, value) in environment)
        {
            startInfo.Environment[key] = value;
        }

        var process = new Process { StartInfo = startInfo, EnableRaisingEvents = true };
        var engine = new EngineProcess(process);
        if (Environment.GetEnvironmentVariable("ENGINE_PROCESS_LOG_DIR") is { Length: > 0 } logDirectory)
        {
            Directory.CreateDirectory(logDirectory);
            engine._logFile = new StreamWriter(Path.Combine(logDirectory, $"{project}-{Guid.NewGuid():N}.log")) { AutoFlush = true };
        }

        process.OutputDataReceived += (_, e) => engine.Append(e.Data);
        process.ErrorDataReceived += (_, e) => engine.Append(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return engine;
    }

    /// <summary>
    /// The path of project Engine.<paramref name="project"/>'s main assembly (Engine.<paramref name="project"/>.dll
    /// unless <paramref name="assemblyName"/> says otherwise) in the artifacts folder, same configuration as this one.
    /// </summary>
    public static string BuildOutput(string project, string? assemblyName = null)
    {
        // Tests run from artifacts/bin/<test project>/<configuration>/.
        var configurationFolder = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        var binFolder = configurationFolder.Parent!.Parent!;
        var path = Path.Combine(binFolder.FullName, $"Engine.{project}", configurationFolder.Name, $"{assemblyName ?? "Engine." + project}.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException($"Build {project} first; expected {path}.");
    }

    /// <summary>SIGKILL: no shutdown hooks, no goodbye to the cluster.</summary>
    public void KillHard() => _process.Kill(entireProcessTree: true);

    /// <summary>SIGTERM, as an orchestrator stops a process: it is asked to shut down gracefully.</summary>
    public void Terminate() => Signals.Send(_process.Id, Signals.Terminate);

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var cancellation = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(cancellation.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        _logFile?.Dispose();
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_gate)
        {
            _output.Enqueue(line);
            if (_output.Count > KeptLines)
            {
                _output.Dequeue();
            }

            _logFile?.WriteLine(line);
        }
    }
}
