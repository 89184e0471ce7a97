using System.Globalization;

namespace MetaEvolve.Bench;

/// <summary>
/// What else the machine was doing: its cores and the load average (1, 5, 15 minutes). Figures from a shared
/// two-core machine mean little without it.
/// </summary>
internal static class RunContext
{
    public static string Describe()
    {
        var load = File.Exists("/proc/loadavg")
            ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ', StringSplitOptions.RemoveEmptyEntries).Take(3))
            : "unknown";
        return string.Create(CultureInfo.InvariantCulture, $"{Environment.ProcessorCount} cores, load average {load}");
    }
}
