using System.Globalization;
using MetaEvolve.Core;
using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.Bench;

/// <summary>
/// The Release-built operator as a real process (<c>dotnet MetaEvolve.Operator.Host.dll</c>), talking to the dev API
/// server through a kubeconfig of its own user, so the server's request record tells its requests apart. Shared by the
/// benchmarks that run the operator (linked into each project).
/// </summary>
internal sealed class OperatorProcess : IDisposable
{
    public const string User = "bench-operator";

    private readonly ChildProcess _process;

    private OperatorProcess(ChildProcess process) => _process = process;

    /// <param name="settings">OperatorOptions properties (Namespace, StoreSchema, ...), passed as Operator__* variables.</param>
    public static OperatorProcess Start(string dll, string kubeconfig, ConnectionOptions connections, IReadOnlyDictionary<string, string> settings)
    {
        var environment = settings.ToDictionary(s => "Operator__" + s.Key, s => s.Value);
        environment["KUBECONFIG"] = kubeconfig;
        return new OperatorProcess(BenchChildren.StartService("operator", dll, connections, environment));
    }

    /// <summary>The settings the benchmark gives an operator: a private lease namespace and store schema (its NATS names
    /// follow the root in its connection settings).</summary>
    public static Dictionary<string, string> Settings(string storeSchema, string leaseNamespace, string image, int workers) => new()
    {
        ["Namespace"] = leaseNamespace,
        ["Identity"] = "bench-operator",
        ["Workers"] = workers.ToString(CultureInfo.InvariantCulture),
        ["DefaultImage"] = image,
        ["StoreSchema"] = storeSchema,
    };

    public bool HasExited => _process.HasExited;

    /// <summary>/readyz answers 200 once the operator leads and its caches hold a full list.</summary>
    public Task WaitReadyAsync(TimeSpan timeout) => _process.WaitReadyAsync(timeout);

    /// <summary>The process's peak resident set so far (VmHWM in /proc/&lt;pid&gt;/status), in MB.</summary>
    public double PeakMemoryMegabytes()
    {
        var line = File.ReadLines($"/proc/{_process.Id}/status").First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        var kilobytes = long.Parse(line["VmHWM:".Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture);
        return kilobytes / 1024.0;
    }

    /// <summary>CPU time the process has used so far (user + system, from /proc/&lt;pid&gt;/stat), in seconds.</summary>
    public double CpuSeconds()
    {
        var stat = File.ReadAllText($"/proc/{_process.Id}/stat");
        // Fields after the command name (which may hold spaces) start at field 3; utime and stime are fields 14 and 15.
        var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
        var ticks = long.Parse(fields[11], CultureInfo.InvariantCulture) + long.Parse(fields[12], CultureInfo.InvariantCulture);
        return ticks / 100.0;
    }

    public void Dispose() => _process.Dispose();
}
