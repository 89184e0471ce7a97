using System.Diagnostics;
using System.Globalization;
using System.Text;
using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.DevCluster.Tests;

/// <summary>
/// <c>metaevolve dev up</c> (what <c>make run</c> starts) as a real process in a scratch checkout, its output collected;
/// disposing kills it if it still runs.
/// </summary>
public sealed class DevUpProcess(Process process, StringBuilder output) : IAsyncDisposable
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public StringBuilder Output { get; } = output;

    public int ExitCode => process.ExitCode;

    /// <summary>Starts dev up on <paramref name="root"/> with its control plane on <paramref name="port"/>.</summary>
    public static DevUpProcess Start(string root, int port, IReadOnlyDictionary<string, string>? environment = null, params string[] extraArgs)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var a in new[] { Path.Combine(AppContext.BaseDirectory, "metaevolve.dll"), "dev", "up", "--root", root, "--port", port.ToString(CultureInfo.InvariantCulture) }.Concat(extraArgs))
        {
            info.ArgumentList.Add(a);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            info.Environment[name] = value;
        }

        var output = new StringBuilder();
        var process = Process.Start(info)!;
        process.StandardInput.Close();
        void Append(object? _, DataReceivedEventArgs e)
        {
            if (e.Data is not null)
            {
                lock (output)
                {
                    output.AppendLine(e.Data);
                }
            }
        }

        process.OutputDataReceived += Append;
        process.ErrorDataReceived += Append;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new DevUpProcess(process, output);
    }

    /// <summary>
    /// Starts everything <c>make run</c> does — services, control plane, operator, external metrics API, gateway — on
    /// ports of its own, with the services under <paramref name="root"/>/.services, so a developer's <c>make run</c>
    /// and other tests' streams are untouched. <paramref name="root"/> needs operator/, agent-runtime/, gateway/ and hack/.
    /// </summary>
    public static DevUpProcess StartIsolated(string root)
    {
        var (nats, monitor, postgres, redis) = (ChildProcess.FreeLoopbackPort(), ChildProcess.FreeLoopbackPort(), ChildProcess.FreeLoopbackPort(), ChildProcess.FreeLoopbackPort());
        var environment = new Dictionary<string, string>
        {
            ["METAEVOLVE_SERVICES_DIR"] = Path.Combine(root, ".services"),
            ["METAEVOLVE_NATS_PORT"] = $"{nats}",
            ["METAEVOLVE_NATS_MONITOR_PORT"] = $"{monitor}",
            ["METAEVOLVE_POSTGRES_PORT"] = $"{postgres}",
            ["METAEVOLVE_REDIS_PORT"] = $"{redis}",
            ["METAEVOLVE_NATS_URL"] = $"nats://127.0.0.1:{nats}",
            ["METAEVOLVE_POSTGRES"] = $"Host=127.0.0.1;Port={postgres};Username=metaevolve;Password=metaevolve;Database=metaevolve",
            ["METAEVOLVE_REDIS"] = $"127.0.0.1:{redis}",
        };
        return Start(root, ChildProcess.FreeLoopbackPort(), environment, "--gateway-port", $"{ChildProcess.FreeLoopbackPort()}", "--operator-port", $"{ChildProcess.FreeLoopbackPort()}",
            "--metrics-api-port", $"{ChildProcess.FreeLoopbackPort()}");
    }

    public async Task WaitForOutputAsync(string text)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(90);
        while (!Snapshot().Contains(text, StringComparison.Ordinal))
        {
            Assert.False(process.HasExited, $"dev up exited early:\n{Snapshot()}");
            Assert.True(DateTime.UtcNow < deadline, $"dev up did not print '{text}':\n{Snapshot()}");
            await Task.Delay(100, Ct);
        }
    }

    public string Snapshot()
    {
        lock (Output)
        {
            return Output.ToString();
        }
    }

    /// <summary>Sends SIGTERM and returns how long the process took to exit.</summary>
    public async Task<TimeSpan> TerminateAsync()
    {
        var started = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync(Ct);
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return started.Elapsed;
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
        }

        process.Dispose();
    }
}
