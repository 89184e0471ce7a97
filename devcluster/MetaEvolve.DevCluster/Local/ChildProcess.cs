using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Text;
using MetaEvolve.Core;
using MetaEvolve.DevCluster.Workloads;

namespace MetaEvolve.DevCluster.Local;

/// <summary>
/// A MetaEvolve program (operator, worker, gateway) run as a child process by <c>dev up</c>, the tests and the
/// benchmarks: its environment is the caller's plus the given variables, its output is kept (the last lines in
/// memory, everything in a log file when one is given), and disposing it kills its process tree.
/// </summary>
public sealed class ChildProcess : IDisposable, IAsyncDisposable
{
    private const int KeptLines = 2000;

    private readonly Process _process;
    private readonly Queue<string> _lines = new();
    private readonly StreamWriter? _log;
    private readonly Action<string>? _echo;
    private bool _disposed;
    private bool _logClosed;

    private ChildProcess(string name, Process process, StreamWriter? log, Action<string>? echo, Uri? baseAddress)
    {
        Name = name;
        _process = process;
        _log = log;
        _echo = echo;
        BaseAddress = baseAddress;
    }

    public string Name { get; }

    /// <summary>Where a service started with <see cref="StartService(string, string, IReadOnlyDictionary{string, string}, Action{string})"/> listens; null otherwise.</summary>
    public Uri? BaseAddress { get; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The last lines it wrote to stdout and stderr, for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (_lines)
            {
                return string.Join('\n', _lines);
            }
        }
    }

    /// <summary>Runs <c>dotnet <paramref name="dll"/></c>.</summary>
    /// <param name="name">How messages name it, e.g. <c>worker</c>.</param>
    /// <param name="dll">The built assembly.</param>
    /// <param name="environment">Variables added to this process's environment.</param>
    /// <param name="logPath">A file that receives every line, or null.</param>
    /// <param name="echo">Called with every line, e.g. to forward errors to the console, or null.</param>
    /// <param name="arguments">Command-line arguments after the dll, or null.</param>
    public static ChildProcess Start(string name, string dll, IReadOnlyDictionary<string, string> environment, string? logPath = null, Action<string>? echo = null, IReadOnlyList<string>? arguments = null) =>
        Start(name, new ProcessStartInfo("dotnet", [dll, .. arguments ?? []]), environment, logPath, echo, baseAddress: null);

    /// <summary>
    /// Runs an ASP.NET Core service (<c>dotnet <paramref name="dll"/></c>) on a free loopback port
    /// (<see cref="BaseAddress"/>), with workstation GC: tests and benchmarks run many at once on small machines.
    /// </summary>
    public static ChildProcess StartService(string name, string dll, IReadOnlyDictionary<string, string> environment, Action<string>? echo = null)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: build {Path.GetFileNameWithoutExtension(dll)} first", dll);
        }

        var baseAddress = new Uri($"http://127.0.0.1:{FreeLoopbackPort()}");
        var variables = new Dictionary<string, string>(environment)
        {
            ["ASPNETCORE_URLS"] = baseAddress.ToString().TrimEnd('/'),
            ["DOTNET_gcServer"] = "0",
        };
        return Start(name, new ProcessStartInfo("dotnet", [dll]), variables, logPath: null, echo, baseAddress);
    }

    /// <summary>A service as <see cref="StartService(string, string, IReadOnlyDictionary{string, string}, Action{string})"/>, connected to <paramref name="connections"/>.</summary>
    /// <param name="settings">Its own settings (Worker__*, Gateway__*, ...), added after the connection variables.</param>
    public static ChildProcess StartService(string name, string dll, ConnectionOptions connections, IReadOnlyDictionary<string, string> settings, Action<string>? echo = null)
    {
        ArgumentNullException.ThrowIfNull(connections);
        var environment = new Dictionary<string, string>(connections.ToEnvironment());
        foreach (var (key, value) in settings)
        {
            environment[key] = value;
        }

        return StartService(name, dll, environment, echo);
    }

    /// <summary>
    /// Runs a project of the checkout at <paramref name="root"/>: its Debug build when there is one, else
    /// <c>dotnet run</c> (what <c>dev up</c> does, so it works before a build).
    /// </summary>
    public static ChildProcess StartProject(string root, string folder, string project, IReadOnlyDictionary<string, string> environment, string logPath)
    {
        var directory = Path.Combine(root, folder, project);
        var dll = Path.Combine(directory, "bin", "Debug", "net10.0", project + ".dll");
        var info = File.Exists(dll)
            ? new ProcessStartInfo("dotnet", [dll])
            : new ProcessStartInfo("dotnet", ["run", "--no-launch-profile", "--project", directory]);
        return Start(project, info, environment, logPath, echo: null, baseAddress: null);
    }

    /// <summary>
    /// A loopback port free right now, for a child (or a server started later) to bind moments later. Picked at
    /// random below the kernel's ephemeral range (32768–60999 on Linux): a port the kernel hands out — to a bind to
    /// port 0, or as the local end of any outgoing connection, which parallel test processes open by the hundred — can
    /// be taken again in that moment (CI saw "address already in use"); one picked here only by another such pick.
    /// </summary>
    public static int FreeLoopbackPort()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = RandomNumberGenerator.GetInt32(20000, 32768);
            try
            {
                using var listener = new TcpListener(IPAddress.Loopback, port);
                listener.Start();
                return port;
            }
            catch (SocketException)
            {
                // Taken: try another.
            }
        }

        throw new InvalidOperationException("no free loopback port between 20000 and 32767 after 200 tries");
    }

    /// <summary>Waits until the service started with <see cref="StartService(string, string, IReadOnlyDictionary{string, string}, Action{string})"/> answers <c>/readyz</c>.</summary>
    public Task WaitReadyAsync(TimeSpan timeout) =>
        WaitReadyAsync(new Uri(BaseAddress ?? throw new InvalidOperationException($"{Name} was not started as a service"), "/readyz"), timeout);

    /// <summary>Polls <paramref name="url"/> until it answers 2xx; fails with the child's output if it exits or times out.</summary>
    public async Task WaitReadyAsync(Uri url, TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:\n{Output}");
            }

            try
            {
                using var response = await http.GetAsync(url);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                // Not listening yet.
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"{Name} not ready at {url} after {timeout}:\n{Output}");
    }

    /// <summary>SIGKILL to it and its children: no shutdown code runs, like an OOM-killed pod.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
    }

    /// <summary>SIGTERM (the graceful path Kubernetes takes first), then SIGKILL after <paramref name="grace"/>.</summary>
    public async Task TerminateAsync(TimeSpan grace)
    {
        if (_process.HasExited)
        {
            return;
        }

        PosixSignals.Terminate(_process.Id, group: false);
        using var limit = new CancellationTokenSource(grace);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        Kill(); // waits for the output to drain, so the log has the last lines
        _process.Dispose();
        lock (_lines)
        {
            _log?.Dispose();
            _logClosed = true;
        }
    }

    private static ChildProcess Start(string name, ProcessStartInfo info, IReadOnlyDictionary<string, string> environment, string? logPath, Action<string>? echo, Uri? baseAddress)
    {
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        foreach (var (variable, value) in environment)
        {
            info.Environment[variable] = value;
        }

        var log = logPath is null ? null : new StreamWriter(logPath, append: false, Encoding.UTF8) { AutoFlush = true };
        var process = new Process { StartInfo = info };
        var child = new ChildProcess(name, process, log, echo, baseAddress);
        process.OutputDataReceived += (_, e) => child.Keep(e.Data);
        process.ErrorDataReceived += (_, e) => child.Keep(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    private void Keep(string? line)
    {
        if (line is null)
        {
            return;
        }

        _echo?.Invoke(line);
        lock (_lines)
        {
            _lines.Enqueue(line);
            if (_lines.Count > KeptLines)
            {
                _lines.Dequeue();
            }

            if (!_logClosed)
            {
                _log?.WriteLine(line);
            }
        }
    }
}
