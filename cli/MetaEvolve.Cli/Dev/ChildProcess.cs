using System.Diagnostics;

namespace MetaEvolve.Cli.Dev;

/// <summary>
/// A MetaEvolve process that <c>dev up</c> runs beside the control plane (operator, gateway): its built
/// assembly when there is one, else <c>dotnet run</c> of its project; output to a log file; killed with
/// its process tree on dispose.
/// </summary>
public sealed class ChildProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;

    private ChildProcess(Process process, StreamWriter log)
    {
        _process = process;
        _log = log;
    }

    /// <param name="root">The checkout.</param>
    /// <param name="folder">Top-level folder of the project, e.g. <c>operator</c>.</param>
    /// <param name="project">Project name, e.g. <c>MetaEvolve.Operator</c>.</param>
    /// <param name="logPath">Where stdout and stderr go.</param>
    /// <param name="environment">Variables added to dev up's own environment.</param>
    public static ChildProcess Start(string root, string folder, string project, string logPath, IReadOnlyDictionary<string, string> environment)
    {
        var directory = Path.Combine(root, folder, project);
        var dll = Path.Combine(directory, "bin", "Debug", "net10.0", project + ".dll");
        var info = File.Exists(dll)
            ? new ProcessStartInfo("dotnet", [dll])
            : new ProcessStartInfo("dotnet", ["run", "--no-launch-profile", "--project", directory]);
        info.UseShellExecute = false;
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        foreach (var (name, value) in environment)
        {
            info.Environment[name] = value;
        }

        var log = new StreamWriter(logPath, append: false) { AutoFlush = true };
        var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        var child = new ChildProcess(process, log);
        process.OutputDataReceived += (_, e) => child.Write(e.Data);
        process.ErrorDataReceived += (_, e) => child.Write(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return child;
    }

    public bool HasExited => _process.HasExited;

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _process.WaitForExitAsync(limit.Token);
        }

        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }

    private void Write(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_log)
        {
            try
            {
                _log.WriteLine(line);
            }
            catch (ObjectDisposedException)
            {
                // The process ended while its last lines were in flight.
            }
        }
    }
}
