using System.Diagnostics;
using System.Globalization;

namespace MetaEvolve.Bench.Gateway;

/// <summary>
/// CPU time of named processes (and of this one, the clients) over a phase, as cores busy on average: on a machine
/// whose clients, gateways, worker and servers share the cores, it shows who took them. Reads /proc, so Linux only.
/// </summary>
internal sealed class CpuUse
{
    private const double TicksPerSecond = 100; // USER_HZ: 100 on every Linux that .NET supports
    private readonly Dictionary<string, int[]> _processes;
    private readonly Dictionary<string, double> _startSeconds = [];
    private long _startTimestamp;
    private double _startMachineBusy;

    public CpuUse(Dictionary<string, int[]> processes) =>
        _processes = new Dictionary<string, int[]>(processes) { ["clients"] = [Environment.ProcessId] };

    public void Start()
    {
        foreach (var (name, pids) in _processes)
        {
            _startSeconds[name] = pids.Sum(ProcessSeconds);
        }
        _startMachineBusy = MachineBusySeconds();
        _startTimestamp = Stopwatch.GetTimestamp();
    }

    /// <summary>
    /// Waits until the measured processes have used less than <paramref name="cores"/> together over a second (at most
    /// <paramref name="limit"/>): after a warm-up the runtime keeps compiling hot methods in the background for
    /// seconds, which would take cores from the next phase. Returns how long it waited.
    /// </summary>
    public async Task<TimeSpan> SettleAsync(double cores, TimeSpan limit)
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < limit)
        {
            var before = _processes.Where(p => p.Key != "clients").Sum(p => p.Value.Sum(ProcessSeconds));
            await Task.Delay(TimeSpan.FromSeconds(1));
            if (_processes.Where(p => p.Key != "clients").Sum(p => p.Value.Sum(ProcessSeconds)) - before < cores)
            {
                break;
            }
        }
        return Stopwatch.GetElapsedTime(started);
    }

    /// <summary>"gateways 0.71, worker 0.52, clients 0.20, all 1.93 of 2 cores": cores used on average since <see cref="Start"/>.</summary>
    public string Describe()
    {
        var wall = Stopwatch.GetElapsedTime(_startTimestamp).TotalSeconds;
        var parts = _processes.Select(p => string.Create(CultureInfo.InvariantCulture, $"{p.Key} {(p.Value.Sum(ProcessSeconds) - _startSeconds[p.Key]) / wall:F2}"));
        var all = (MachineBusySeconds() - _startMachineBusy) / wall;
        return string.Create(CultureInfo.InvariantCulture, $"{string.Join(", ", parts)}, all processes {all:F2} of {Environment.ProcessorCount} cores");
    }

    // utime + stime, fields 14 and 15 of /proc/<pid>/stat (after the parenthesised command, which may hold spaces).
    private static double ProcessSeconds(int pid)
    {
        var stat = File.ReadAllText($"/proc/{pid}/stat");
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        return (long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture)) / TicksPerSecond;
    }

    // Every core's non-idle time: the first line of /proc/stat minus idle and iowait.
    private static double MachineBusySeconds()
    {
        var fields = File.ReadLines("/proc/stat").First().Split(' ', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(long.Parse).ToArray();
        return (fields.Sum() - fields[3] - fields[4]) / TicksPerSecond;
    }
}
