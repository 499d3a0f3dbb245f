using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace Engine.Gateway.Tests;

/// <summary>Keeps what the in-process gateway logs at Warning and above, so tests can check how loud a fault is.</summary>
public sealed class LogRecorder : ILoggerProvider
{
    private readonly ConcurrentQueue<LogEntry> _entries = new();

    public IReadOnlyList<LogEntry> Entries => _entries.ToArray();

    public ILogger CreateLogger(string categoryName) => new Recorder(categoryName, _entries);

    public void Dispose()
    {
    }

    private sealed class Recorder(string category, ConcurrentQueue<LogEntry> entries) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (IsEnabled(logLevel))
            {
                entries.Enqueue(new LogEntry(DateTimeOffset.UtcNow, category, logLevel, eventId.Id, formatter(state, exception), exception));
            }
        }
    }
}

public sealed record LogEntry(DateTimeOffset At, string Category, LogLevel Level, int EventId, string Message, Exception? Exception);
