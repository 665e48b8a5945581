using System;
using Microsoft.Extensions.Logging;

namespace DistributedPoolDemo;

/// <summary>The client's logger: one line per entry into the <see cref="LogSink"/> (the silos log to their stderr,
/// which the demo reads into the same sink).</summary>
public sealed class SinkLoggerProvider(LogSink sink, string source) : ILoggerProvider
{
    public ILogger CreateLogger(string categoryName) => new Logger(sink, source, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(LogSink sink, string source, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (!IsEnabled(logLevel))
            {
                return;
            }

            string message = formatter(state, exception).ReplaceLineEndings(" ");
            string cause = exception is null ? "" : $" ({exception.GetType().Name}: {exception.Message.ReplaceLineEndings(" ")})";
            sink.Add(source, $"{logLevel}: {category}: {message}{cause}");
        }
    }
}
