using System.Diagnostics;
using System.Globalization;
using MetaEvolve.Core;
using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.Bench.Chaos;

/// <summary>
/// NATS, PostgreSQL and Redis of the chaos run's own (hack/services.sh with a services dir and ports that are not the
/// developer's), so the run may kill and restart them: a server killed here is one nobody else uses.
/// </summary>
internal sealed class ChaosServices
{
    private readonly Dictionary<string, string> _environment;

    private ChaosServices(string directory, int natsPort, int monitorPort, int postgresPort, int redisPort)
    {
        Directory = directory;
        _environment = new Dictionary<string, string>
        {
            ["METAEVOLVE_SERVICES_DIR"] = directory,
            ["METAEVOLVE_NATS_PORT"] = natsPort.ToString(CultureInfo.InvariantCulture),
            ["METAEVOLVE_NATS_MONITOR_PORT"] = monitorPort.ToString(CultureInfo.InvariantCulture),
            ["METAEVOLVE_POSTGRES_PORT"] = postgresPort.ToString(CultureInfo.InvariantCulture),
            ["METAEVOLVE_REDIS_PORT"] = redisPort.ToString(CultureInfo.InvariantCulture),
        };
        Connections = new ConnectionOptions
        {
            NatsUrl = $"nats://127.0.0.1:{natsPort}",
            // synchronous_commit on for every session of the run: hack/services.sh runs PostgreSQL with it off (speed for
            // tests), and then the crash that RestartPostgresAsync causes takes the last acknowledged commits with it —
            // PostgreSQL's own trade, not the pipeline's. A production server commits synchronously.
            Postgres = $"Host=127.0.0.1;Port={postgresPort};Username=metaevolve;Password=metaevolve;Database=metaevolve;Options=-c synchronous_commit=on",
            Redis = $"127.0.0.1:{redisPort}",
        };
    }

    public string Directory { get; }

    /// <summary>Where the servers listen (the NATS root is the default; each scenario sets its own).</summary>
    public ConnectionOptions Connections { get; }

    /// <summary>The run's services from the command line (<c>--services-dir</c>, <c>--nats-port</c>, ...), defaults off the developer's ports.</summary>
    public static ChaosServices FromArguments() => new(
        Path.GetFullPath(BenchArguments.Text("--services-dir", RepositoryRoot.Combine(".chaos-services"))),
        BenchArguments.Int("--nats-port", 24222),
        BenchArguments.Int("--nats-monitor-port", 28222),
        BenchArguments.Int("--postgres-port", 25432),
        BenchArguments.Int("--redis-port", 26379));

    /// <summary>Starts whichever of the three is not running (hack/services.sh up is idempotent) and waits until all answer.</summary>
    public Task UpAsync(CancellationToken cancellationToken) => ScriptAsync("up", cancellationToken);

    public Task DownAsync() => ScriptAsync("down", CancellationToken.None);

    /// <summary>SIGKILL to nats-server (JetStream keeps its file store), then <paramref name="downtime"/> without it, then up again.</summary>
    public Task RestartNatsAsync(TimeSpan downtime, CancellationToken cancellationToken) =>
        RestartAsync(Path.Combine(Directory, "nats", "nats-server.pid"), "SIGKILL", downtime, cancellationToken);

    /// <summary>SIGKILL to redis-server (no persistence: thread memory is gone, as with a restarted cache pod).</summary>
    public Task RestartRedisAsync(TimeSpan downtime, CancellationToken cancellationToken) =>
        RestartAsync(Path.Combine(Directory, "redis", "redis-server.pid"), "SIGKILL", downtime, cancellationToken);

    /// <summary>
    /// SIGQUIT to the postmaster: PostgreSQL's immediate shutdown, which drops every connection and makes the next
    /// start run crash recovery, as after a killed database pod.
    /// </summary>
    public Task RestartPostgresAsync(TimeSpan downtime, CancellationToken cancellationToken) =>
        RestartAsync(Path.Combine(Directory, "postgres", "data", "postmaster.pid"), "SIGQUIT", downtime, cancellationToken);

    private async Task RestartAsync(string pidFile, string signal, TimeSpan downtime, CancellationToken cancellationToken)
    {
        var pid = int.Parse(File.ReadLines(pidFile).First().Trim(), CultureInfo.InvariantCulture);
        await RunAsync("kill", ["-s", signal, pid.ToString(CultureInfo.InvariantCulture)], cancellationToken);
        // Bounded: the server exits within moments of the signal; 20 s means something else is wrong.
        var until = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (System.IO.Directory.Exists($"/proc/{pid}") && DateTime.UtcNow < until)
        {
            await Task.Delay(50, cancellationToken);
        }
        await Task.Delay(downtime, cancellationToken);
        await UpAsync(cancellationToken);
    }

    private Task ScriptAsync(string command, CancellationToken cancellationToken) =>
        RunAsync(RepositoryRoot.Combine("hack", "services.sh"), [command], cancellationToken);

    private async Task RunAsync(string file, string[] arguments, CancellationToken cancellationToken)
    {
        var info = new ProcessStartInfo(file, arguments) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (name, value) in _environment)
        {
            info.Environment[name] = value;
        }
        using var process = Process.Start(info) ?? throw new InvalidOperationException($"could not start {file}");
        var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var errors = process.StandardError.ReadToEndAsync(cancellationToken);
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(TimeSpan.FromMinutes(3));
        await process.WaitForExitAsync(limit.Token);
        await output;
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{Path.GetFileName(file)} {string.Join(' ', arguments)} exited with {process.ExitCode}:\n{await errors}");
        }
    }
}
