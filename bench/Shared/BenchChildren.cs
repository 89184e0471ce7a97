using MetaEvolve.Core;
using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.Bench;

/// <summary>
/// The services a benchmark runs as child processes (workers, gateways, operators): each shows only its problems and is
/// killed when the run is stopped (<see cref="BenchStop"/>). Shared by the benchmarks (linked into each project).
/// </summary>
internal static class BenchChildren
{
    /// <summary>The built service at <paramref name="dll"/> on a free loopback port, connected to <paramref name="connections"/>.</summary>
    public static ChildProcess StartService(string name, string dll, ConnectionOptions connections, IReadOnlyDictionary<string, string> settings)
    {
        var child = ChildProcess.StartService(name, dll, connections, settings, Problems(name));
        BenchStop.Track(child.Kill);
        return child;
    }

    /// <summary>
    /// Forwards the problems only: Error and Fatal log events, and any line that is not a JSON log event (a crash's
    /// stack trace). The services log every request at Information, which would drown the figures.
    /// </summary>
    private static Action<string> Problems(string name) => line =>
    {
        if (!line.StartsWith('{') || line.Contains("\"@l\":\"Error\"", StringComparison.Ordinal) || line.Contains("\"@l\":\"Fatal\"", StringComparison.Ordinal))
        {
            Console.Error.WriteLine($"{name}: {line}");
        }
    };
}
