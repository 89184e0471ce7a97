using Serilog.Core;
using Serilog.Events;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>Sends an operator's logs to the current test's output, prefixed with the instance.</summary>
internal sealed class TestOutputSink(string instance) : ILogEventSink
{
    public void Emit(LogEvent logEvent)
    {
        ArgumentNullException.ThrowIfNull(logEvent);
        try
        {
            TestContext.Current.TestOutputHelper?.WriteLine($"[{instance} {logEvent.Level}] {logEvent.RenderMessage(System.Globalization.CultureInfo.InvariantCulture)}{(logEvent.Exception is null ? "" : " " + Flatten(logEvent.Exception))}");
        }
        catch (InvalidOperationException)
        {
            // The test already ended.
        }
    }

    private static string Flatten(Exception exception)
    {
        var parts = new List<string>();
        for (var e = exception; e is not null; e = e.InnerException)
        {
            parts.Add($"{e.GetType().Name}: {e.Message}");
        }

        return string.Join(" -> ", parts);
    }
}
