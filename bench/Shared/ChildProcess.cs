using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using MetaEvolve.Core;

namespace MetaEvolve.Bench;

/// <summary>
/// A built MetaEvolve service (worker, gateway, operator) run as a child process on a free loopback port, with the
/// connection settings in its environment. Shared by the benchmarks (linked into each project).
/// </summary>
internal sealed class ChildProcess : IDisposable
{
    private readonly Process _process;
    private bool _disposed;

    private ChildProcess(Process process, int port)
    {
        _process = process;
        BaseAddress = new Uri($"http://127.0.0.1:{port}");
    }

    public Uri BaseAddress { get; }

    /// <summary>The process id (for /proc/&lt;pid&gt;/status).</summary>
    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public static ChildProcess Start(string name, string dll, ConnectionOptions connections, IDictionary<string, string> settings)
    {
        if (!File.Exists(dll))
        {
            throw new FileNotFoundException($"{dll} is missing: build it first in Release (the make bench-* targets do)", dll);
        }
        int port;
        using (var listener = new TcpListener(IPAddress.Loopback, 0))
        {
            listener.Start();
            port = ((IPEndPoint)listener.LocalEndpoint).Port;
        }
        var info = new ProcessStartInfo("dotnet", [dll]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (variable, value) in connections.ToEnvironment())
        {
            info.Environment[variable] = value;
        }
        info.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        info.Environment["DOTNET_gcServer"] = "0";
        foreach (var (key, value) in settings)
        {
            info.Environment[key] = value;
        }
        var process = Process.Start(info)!;
        BenchStop.Track(process);
        // Only warnings and errors reach stderr (the services log JSON at Information to stdout): keep stdout drained.
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is { } line && (line.Contains("\"@l\":\"Error\"", StringComparison.Ordinal) || line.Contains("\"@l\":\"Fatal\"", StringComparison.Ordinal)))
            {
                Console.Error.WriteLine($"{name}: {line}");
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine($"{name}: {e.Data}");
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new ChildProcess(process, port);
    }

    public async Task WaitReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var until = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < until)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{BaseAddress} exited with {_process.ExitCode}");
            }
            try
            {
                if ((await http.GetAsync(new Uri(BaseAddress, "/readyz"))).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{BaseAddress} not ready after {timeout}");
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }
        _disposed = true;
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }
        _process.Dispose();
    }
}
