using System.Globalization;
using System.Text.RegularExpressions;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>
/// On a node every pod has its own network namespace, so every replica may listen on its declared
/// container port; here all replicas share loopback, each with its own host port per declared port
/// (<see cref="ReplicaPorts"/>, also where probes, Endpoints and the aggregator go). A process learns
/// its port from its environment, so the runner rewrites the ways a port is passed there:
/// <list type="bullet">
/// <item><c>ASPNETCORE_HTTP_PORTS</c> / <c>ASPNETCORE_HTTPS_PORTS</c> (<c>8080;8081</c>): each declared port;</item>
/// <item><c>ASPNETCORE_URLS</c> (<c>http://+:8080;https://+:8443</c>): the port of each URL;</item>
/// <item>any other value that is exactly a declared container port number, such as
/// <c>Operator__ExternalMetrics__Port=6443</c>: settings naming a port to listen on.</item>
/// </list>
/// Undeclared ports stay as they are. The cost of the last rule: a value that merely equals a declared
/// port number (a count of 8080 items) changes too, which is why only exact, whole-value matches count.
/// </summary>
public static partial class DeclaredPortRemapping
{
    /// <param name="env">The container's environment, rewritten in place.</param>
    /// <param name="ports">The pod's declared container ports and their host ports.</param>
    /// <param name="runnerPorts">Variables the runner set to host ports already (PORT, PORT_&lt;NAME&gt;): left alone unless env replaced them.</param>
    public static void Apply(Dictionary<string, string> env, ReplicaPorts ports, IReadOnlyDictionary<string, string> runnerPorts)
    {
        if (ports.HostPorts.Count == 0)
        {
            return;
        }

        foreach (var (name, value) in env.ToList())
        {
            env[name] = name switch
            {
                _ when runnerPorts.TryGetValue(name, out var own) && own == value => value,
                "ASPNETCORE_HTTP_PORTS" or "ASPNETCORE_HTTPS_PORTS" => string.Join(';',
                    value.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(p => HostPort(p, ports) ?? p)),
                "ASPNETCORE_URLS" => UrlPort().Replace(value, m => m.Groups[1].Value + (HostPort(m.Groups[2].Value, ports) ?? m.Groups[2].Value)),
                _ => HostPort(value, ports) ?? value,
            };
        }
    }

    private static string? HostPort(string text, ReplicaPorts ports) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && ports.HostPorts.TryGetValue(port, out var host)
            ? host.ToString(CultureInfo.InvariantCulture)
            : null;

    /// <summary>The port of one URL in a ';'-separated list: scheme://host: then digits, before a path, ';' or the end.</summary>
    [GeneratedRegex(@"(\b[a-zA-Z][a-zA-Z0-9+.-]*://(?:\[[^\]]*\]|[^:/;]*):)(\d+)(?=/|;|$)")]
    private static partial Regex UrlPort();
}
