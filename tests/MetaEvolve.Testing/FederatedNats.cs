using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using MetaEvolve.Core;
using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.Testing;

/// <summary>
/// Regions on loopback as the README's "Regions" section configures them: one nats-server per region, each with
/// JetStream in a domain named after its region and a store of its own, the first region the leafnode hub and every
/// other a leaf of it through a <see cref="LinkProxy"/> (so a test can cut a region's link), the task subjects denied
/// both ways on every remote and each region's spill subjects mapped onto its task subjects. Tests call
/// <c>Services.RequireNatsAsync</c> first (the script that starts the shared NATS installs nats-server); the
/// chaos bench compiles this file in too.
/// </summary>
public sealed class FederatedNats : IAsyncDisposable
{
    private static readonly string[] Binaries = ["/usr/sbin/nats-server", "/usr/bin/nats-server"];

    private readonly Dictionary<string, Region> _regions = new(StringComparer.Ordinal);
    private readonly string _directory;

    private FederatedNats(string directory, NatsNames names)
    {
        _directory = directory;
        Names = names;
    }

    /// <summary>The NATS root the servers' deny lists and mappings are written for.</summary>
    public NatsNames Names { get; }

    /// <summary>Starts one server per region (the first is the hub) and waits until every leaf has joined the hub.</summary>
    public static async Task<FederatedNats> StartAsync(string root, params string[] regions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(regions.Length, 2);
        var binary = Binaries.FirstOrDefault(File.Exists)
            ?? throw new InvalidOperationException("nats-server is not installed (hack/services.sh up installs it)");
        var federation = new FederatedNats(Directory.CreateTempSubdirectory("metaevolve-regions-").FullName, new NatsNames(root));
        var hubLeafPort = ChildProcess.FreeLoopbackPort();
        foreach (var (name, index) in regions.Select((r, i) => (r, i)))
        {
            var region = new Region(name, binary, Path.Combine(federation._directory, name), ChildProcess.FreeLoopbackPort(),
                index == 0 ? null : new LinkProxy(hubLeafPort));
            await File.WriteAllTextAsync(region.ConfigFile, federation.Config(region, index == 0 ? hubLeafPort : null));
            federation._regions[name] = region;
            region.Start();
        }
        foreach (var region in federation._regions.Values)
        {
            await region.WaitListeningAsync();
        }
        await federation.WaitForLeavesAsync(regions.Length - 1);
        return federation;
    }

    /// <summary><c>nats://127.0.0.1:port</c> of a region's server.</summary>
    public string Url(string region) => $"nats://127.0.0.1:{_regions[region].Port.ToString(CultureInfo.InvariantCulture)}";

    /// <summary>The connection settings of a process in <paramref name="region"/>, from <paramref name="connections"/>.</summary>
    public ConnectionOptions Connections(ConnectionOptions connections, string region)
    {
        ArgumentNullException.ThrowIfNull(connections);
        return connections with
        {
            NatsUrl = Url(region),
            NatsRoot = Names.Root,
            Region = region,
            Peers = [.. _regions.Keys.Where(r => r != region)],
        };
    }

    /// <summary>The proxy carrying a leaf region's link to the hub.</summary>
    public LinkProxy Link(string region) => _regions[region].Link ?? throw new ArgumentException($"region {region} is the hub: it has no link of its own", nameof(region));

    /// <summary>Waits until the hub counts <paramref name="leaves"/> leafnode connections (after a start or a restored link).</summary>
    public async Task WaitForLeavesAsync(int? leaves = null)
    {
        var hub = _regions.Values.First(r => r.Link is null);
        var expected = leaves ?? _regions.Count - 1;
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (true)
        {
            var log = hub.Log();
            var joined = CountOccurrences(log, "Leafnode connection created") - CountOccurrences(log, "Leafnode connection closed");
            if (joined >= expected)
            {
                // The leaf's subscriptions (the task stream's interest, mappings) follow the connect by a moment.
                await Task.Delay(500);
                return;
            }
            if (DateTime.UtcNow > until)
            {
                throw new TimeoutException($"only {joined} of {expected} leafnodes joined the hub; its log:\n{log}");
            }
            await Task.Delay(100);
        }
    }

    private static int CountOccurrences(string text, string value)
    {
        var count = 0;
        for (var at = text.IndexOf(value, StringComparison.Ordinal); at >= 0; at = text.IndexOf(value, at + value.Length, StringComparison.Ordinal))
        {
            count++;
        }
        return count;
    }

    private string Config(Region region, int? hubLeafPort)
    {
        var (spill, tasks) = Names.SpillMapping(region.Name);
        var leafnodes = hubLeafPort is { } port
            // The hub must not tell leaves its leafnode address: a leaf that learnt it reconnects around its proxy
            // after the first cut, and a second cut cuts nothing. nats-server 2.9.10 tells it despite no_advertise,
            // so it advertises a port where nothing listens instead (a leaf's attempt there fails at once).
            ? $$"""leafnodes { listen: "127.0.0.1:{{port.ToString(CultureInfo.InvariantCulture)}}", no_advertise: true, advertise: "127.0.0.1:1" }"""
            : $$"""
              leafnodes {
                reconnect: 1
                remotes: [{ url: "nats-leaf://127.0.0.1:{{region.Link!.Port.ToString(CultureInfo.InvariantCulture)}}", deny_imports: ["{{Names.AllTasks}}"], deny_exports: ["{{Names.AllTasks}}"] }]
              }
              """;
        return $$"""
            listen: "127.0.0.1:{{region.Port.ToString(CultureInfo.InvariantCulture)}}"
            server_name: "{{region.Name}}"
            log_file: "{{region.LogFile}}"
            jetstream { store_dir: "{{Path.Combine(region.Directory, "jetstream")}}", domain: "{{region.Name}}" }
            mappings { "{{spill}}": "{{tasks}}" }
            {{leafnodes}}
            """;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var region in _regions.Values)
        {
            await region.DisposeAsync();
        }
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private sealed class Region(string name, string binary, string directory, int port, LinkProxy? link) : IAsyncDisposable
    {
        private Process? _process;

        public string Name { get; } = name;
        public string Directory { get; } = System.IO.Directory.CreateDirectory(directory).FullName;
        public int Port { get; } = port;
        public LinkProxy? Link { get; } = link;
        public string ConfigFile => Path.Combine(Directory, "nats-server.conf");
        public string LogFile => Path.Combine(Directory, "nats-server.log");

        public void Start()
        {
            var info = new ProcessStartInfo(binary, ["-c", ConfigFile]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
            _process = Process.Start(info)!;
            _process.BeginOutputReadLine();
            _process.BeginErrorReadLine();
        }

        public async Task WaitListeningAsync()
        {
            var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
            while (true)
            {
                if (_process!.HasExited)
                {
                    throw new InvalidOperationException($"nats-server of region {Name} exited with {_process.ExitCode}: {Log()}");
                }
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(IPAddress.Loopback, Port);
                    return;
                }
                catch (SocketException) when (DateTime.UtcNow < until)
                {
                    await Task.Delay(100);
                }
            }
        }

        public string Log()
        {
            if (!File.Exists(LogFile))
            {
                return "";
            }
            using var stream = new FileStream(LogFile, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            using var reader = new StreamReader(stream);
            return reader.ReadToEnd();
        }

        public async ValueTask DisposeAsync()
        {
            if (Link is not null)
            {
                await Link.DisposeAsync();
            }
            if (_process is { HasExited: false })
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process?.Dispose();
        }
    }
}
