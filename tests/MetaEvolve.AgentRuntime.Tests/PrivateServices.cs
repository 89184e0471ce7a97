using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using MetaEvolve.Core;
using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.AgentRuntime.Tests;

/// <summary>
/// NATS, PostgreSQL and Redis of its own, started through <c>hack/services.sh</c> with a private state dir and
/// ports, for a test that restarts servers under a running worker without disturbing other tests.
/// </summary>
public sealed class PrivateServices : IAsyncDisposable
{
    private readonly Dictionary<string, string> _environment;

    private PrivateServices(string directory, Dictionary<string, string> environment, ConnectionOptions connections)
    {
        Directory = directory;
        _environment = environment;
        Connections = connections;
    }

    public string Directory { get; }
    public ConnectionOptions Connections { get; }

    public static async Task<PrivateServices> StartAsync()
    {
        var directory = Path.Combine(Path.GetTempPath(), "metaevolve-restart-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(4)));
        int nats = ChildProcess.FreeLoopbackPort(), monitor = ChildProcess.FreeLoopbackPort(), postgres = ChildProcess.FreeLoopbackPort(), redis = ChildProcess.FreeLoopbackPort();
        var environment = new Dictionary<string, string>
        {
            ["METAEVOLVE_SERVICES_DIR"] = directory,
            ["METAEVOLVE_NATS_PORT"] = nats.ToString(CultureInfo.InvariantCulture),
            ["METAEVOLVE_NATS_MONITOR_PORT"] = monitor.ToString(CultureInfo.InvariantCulture),
            ["METAEVOLVE_POSTGRES_PORT"] = postgres.ToString(CultureInfo.InvariantCulture),
            ["METAEVOLVE_REDIS_PORT"] = redis.ToString(CultureInfo.InvariantCulture),
        };
        var services = new PrivateServices(directory, environment, ConnectionOptions.FromEnvironment(name => environment.GetValueOrDefault(name)));
        await services.ScriptAsync("up");
        return services;
    }

    /// <summary>SIGTERM to nats-server, wait for it to exit, start it again on the same store dir.</summary>
    public async Task RestartNatsAsync()
    {
        var pid = int.Parse((await File.ReadAllTextAsync(Path.Combine(Directory, "nats", "nats-server.pid"))).Trim(), CultureInfo.InvariantCulture);
        using (var process = Process.GetProcessById(pid))
        {
            await RunAsync("kill", ["-TERM", pid.ToString(CultureInfo.InvariantCulture)]);
            await process.WaitForExitAsync();
        }
        await ScriptAsync("up");
    }

    /// <summary>Fast shutdown of PostgreSQL (drops every connection), then start it again.</summary>
    public async Task RestartPostgresAsync()
    {
        var data = Path.Combine(Directory, "postgres", "data");
        var pgCtl = File.Exists("/usr/lib/postgresql/15/bin/pg_ctl") ? "/usr/lib/postgresql/15/bin/pg_ctl" : "pg_ctl";
        // services.sh runs PostgreSQL as the postgres user when started by root (initdb refuses root).
        if (Environment.UserName == "root")
        {
            await RunAsync("runuser", ["-u", "postgres", "--", pgCtl, "-D", data, "-m", "fast", "-w", "stop"]);
        }
        else
        {
            await RunAsync(pgCtl, ["-D", data, "-m", "fast", "-w", "stop"]);
        }
        await ScriptAsync("up");
    }

    public async ValueTask DisposeAsync()
    {
        await ScriptAsync("clean");
    }

    private Task ScriptAsync(string command) =>
        RunAsync("bash", [Path.Combine(RepositoryRoot.Path, "hack", "services.sh"), command], _environment);

    private static async Task RunAsync(string file, string[] args, IDictionary<string, string>? environment = null)
    {
        var info = new ProcessStartInfo(file, args) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = "/" };
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[key] = value;
        }
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', args)} exited with {process.ExitCode}: {await stderr}{await stdout}");
        }
    }

}
