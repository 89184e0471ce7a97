using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MetaEvolve.Operator.Tests.Regions;

/// <summary>Keeps the warnings (and worse) a component logs, so a test can tell a check that ran from one that gave up.</summary>
internal sealed class RecordingLogger<T> : ILogger<T>
{
    private readonly ConcurrentQueue<string> _warnings = new();

    public IReadOnlyList<string> Warnings => [.. _warnings];

    public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

    public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Warning;

    public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (IsEnabled(logLevel))
        {
            _warnings.Enqueue(formatter(state, exception));
        }
    }
}
