using System.Diagnostics;
using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Semantics;
using MetaEvolve.DevCluster.Storage;
using Microsoft.Extensions.Logging;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>
/// One container of a pod as a local process, with the kubelet's lifecycle: resolve command and
/// environment, start, probe readiness (and liveness), restart per restartPolicy with exponential
/// back-off (the first restart at once, then 10 s, 20 s, … up to 5 min; reset after 10 min running),
/// and on stop SIGTERM, then SIGKILL once the grace period is over.
/// </summary>
public sealed class ContainerRunner(
    ObjectStore store,
    JsonObject pod,
    JsonObject container,
    ReplicaPorts ports,
    IReadOnlyList<(JsonObject Port, int HostPort)> ownPorts,
    Func<PodFiles> prepareFiles,
    WorkloadOptions options,
    Prober prober,
    ILogger logger)
{
    private static readonly string? SetSid = File.Exists("/usr/bin/setsid") ? "/usr/bin/setsid" : null;
    private readonly Lock _gate = new();
    private ContainerState _state = new();
    private ContainerLog _current = new(options.LogLines);
    private ContainerLog? _previous;

    public string Name { get; } = (string?)container["name"] ?? "";
    public string Image { get; } = (string?)container["image"] ?? "";

    /// <summary>Raised on every state change (the pod's status is rewritten from the snapshots).</summary>
    public event Action? Changed;

    public ContainerState State
    {
        get
        {
            lock (_gate)
            {
                return _state;
            }
        }
    }

    public ContainerLogs Logs
    {
        get
        {
            lock (_gate)
            {
                return new ContainerLogs(_current, _previous);
            }
        }
    }

    private void Set(Func<ContainerState, ContainerState> change)
    {
        lock (_gate)
        {
            _state = change(_state);
        }

        Changed?.Invoke();
    }

    /// <summary>Runs until <paramref name="stop"/> is cancelled (then stops the process within <paramref name="grace"/>, read at that moment) or the container is done for good.</summary>
    public async Task RunAsync(Func<TimeSpan> grace, CancellationToken stop)
    {
        var restartPolicy = (string?)pod["spec"]?["restartPolicy"] ?? "Always";
        var failures = 0;
        while (!stop.IsCancellationRequested)
        {
            Termination ended;
            try
            {
                var started = DateTimeOffset.UtcNow;
                var exit = await RunOnceAsync(grace, stop);
                if (exit is null)
                {
                    return;
                }

                ended = exit;
                failures = ended.FinishedAt - started > TimeSpan.FromMinutes(10) ? 0 : failures;
            }
            catch (ContainerConfigException e)
            {
                Set(s => s with { Phase = "Waiting", Reason = e.Reason, Message = e.Message, Ready = false });
                await Delay(TimeSpan.FromSeconds(2), stop);
                continue;
            }

            if (restartPolicy == "Never" || restartPolicy == "OnFailure" && ended.ExitCode == 0)
            {
                Set(s => s with { Phase = "Terminated", Terminated = ended, Ready = false, Pid = null });
                return;
            }

            var delay = failures == 0 ? TimeSpan.Zero
                : TimeSpan.FromTicks(Math.Min(options.MaxRestartBackoff.Ticks, options.RestartBackoff.Ticks * (1L << Math.Min(failures - 1, 20))));
            failures++;
            Set(s => s with
            {
                Phase = delay > TimeSpan.Zero ? "Waiting" : "Terminated",
                Reason = delay > TimeSpan.Zero ? "CrashLoopBackOff" : null,
                Message = delay > TimeSpan.Zero ? $"back-off {delay.TotalSeconds:0}s restarting failed container={Name} pod={ObjectMeta.Name(pod)}" : null,
                Terminated = delay > TimeSpan.Zero ? null : ended,
                LastTerminated = ended,
                Ready = false,
                Pid = null,
            });
            if (!await Delay(delay, stop))
            {
                return;
            }

            Set(s => s with { RestartCount = s.RestartCount + 1 });
        }
    }

    private static async Task<bool> Delay(TimeSpan delay, CancellationToken stop)
    {
        try
        {
            await Task.Delay(delay, stop);
            return true;
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>One instance; null when stopped by <paramref name="stop"/>.</summary>
    private async Task<Termination?> RunOnceAsync(Func<TimeSpan> grace, CancellationToken stop)
    {
        var env = ContainerEnvironment.Build(store, pod, container, ownPorts, ports, prepareFiles());
        var argv = Command(env);
        var info = new ProcessStartInfo(SetSid ?? argv[0])
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = WorkingDirectory(),
        };
        foreach (var a in SetSid is null ? argv.Skip(1) : argv)
        {
            info.ArgumentList.Add(a);
        }

        // Processes inherit the runner's environment (PATH, DOTNET_ROOT, HOME), but never its API credentials:
        // a pod reaches the API server only as its ServiceAccount, and not at all when it opted out.
        info.Environment.Remove("KUBECONFIG");
        foreach (var (k, v) in env)
        {
            info.Environment[k] = v;
        }

        var log = new ContainerLog(options.LogLines);
        lock (_gate)
        {
            if (_state.StartedAt is not null || _state.LastTerminated is not null)
            {
                _previous = _current;
            }

            _current = log;
        }

        var exited = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var process = new Process { StartInfo = info, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is { } line) { log.Append(line); } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is { } line) { log.Append(line); } };
        process.Exited += (_, _) => exited.TrySetResult();
        try
        {
            process.Start();
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            log.Complete();
            throw new ContainerConfigException("RunContainerError", $"failed to start {argv[0]}: {e.Message}");
        }

        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var startedAt = DateTimeOffset.UtcNow;
        logger.LogInformation("Started container {Container} of pod {Namespace}/{Pod} as pid {Pid}: {Command}",
            Name, ObjectMeta.Namespace(pod), ObjectMeta.Name(pod), process.Id, string.Join(' ', argv));
        var hasReadiness = container["readinessProbe"] is JsonObject;
        Set(s => s with { Phase = "Running", Reason = null, Message = null, StartedAt = startedAt, Terminated = null, Ready = !hasReadiness, Pid = process.Id });

        using var instance = CancellationTokenSource.CreateLinkedTokenSource(stop);
        var probes = Task.WhenAll(
            ProbeLoopAsync("readinessProbe", env, ready => Set(s => s with { Ready = ready }), instance.Token),
            ProbeLoopAsync("livenessProbe", env, alive =>
            {
                if (!alive)
                {
                    logger.LogInformation("Container {Container} of pod {Pod} failed liveness probe, will be restarted", Name, ObjectMeta.Name(pod));
                    PosixSignals.Terminate(process.Id, group: false);
                }
            }, instance.Token));

        try
        {
            await exited.Task.WaitAsync(stop);
        }
        catch (OperationCanceledException)
        {
            await instance.CancelAsync();
            await StopAsync(process, exited.Task, grace());
            await Drain(process);
            log.Complete();
            Set(s => s with
            {
                Phase = "Terminated",
                Ready = false,
                Pid = null,
                Terminated = new Termination(SafeExitCode(process), "Completed", startedAt, DateTimeOffset.UtcNow),
            });
            await probes;
            return null;
        }

        await instance.CancelAsync();
        await probes;
        await Drain(process);
        log.Complete();
        var code = SafeExitCode(process);
        logger.LogInformation("Container {Container} of pod {Namespace}/{Pod} exited with {ExitCode}", Name, ObjectMeta.Namespace(pod), ObjectMeta.Name(pod), code);
        return new Termination(code, code == 0 ? "Completed" : "Error", startedAt, DateTimeOffset.UtcNow);
    }

    /// <summary>Output already written by an exited process is read to the end (bounded: a grandchild may hold the pipe).</summary>
    private static async Task Drain(Process process)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            // A background child keeps the pipe open; its further output is not this instance's.
        }
    }

    private static int SafeExitCode(Process process)
    {
        try
        {
            // Like a container runtime: death by signal N reads as 128 + N.
            return process.ExitCode < 0 ? 128 - process.ExitCode : process.ExitCode;
        }
        catch (InvalidOperationException)
        {
            return 137;
        }
    }

    private async Task StopAsync(Process process, Task exited, TimeSpan grace)
    {
        var group = SetSid is not null;
        // Like the kubelet: SIGTERM to the container's main process only (PID 1 there). What it started (a worker's
        // skill hosts, mid-call) is its own to stop while it drains; at the end of the grace period, or once the main
        // process is gone, everything left in the group is killed, as a container's processes are.
        PosixSignals.Terminate(process.Id, group: false);
        if (await Task.WhenAny(exited, Task.Delay(grace)) != exited)
        {
            logger.LogInformation("Container {Container} of pod {Pod} outlived its {Grace}s grace period: SIGKILL", Name, ObjectMeta.Name(pod), grace.TotalSeconds);
            PosixSignals.ForceKill(process.Id, group);
            await Task.WhenAny(exited, Task.Delay(TimeSpan.FromSeconds(5)));
        }
        else if (group)
        {
            // The leader is gone; children it left in the group go with it, as a container's do.
            PosixSignals.ForceKill(process.Id, group);
        }
    }

    private async Task ProbeLoopAsync(string kind, IReadOnlyDictionary<string, string> env, Action<bool> report, CancellationToken cancellationToken)
    {
        if (container[kind] is not JsonObject probe)
        {
            return;
        }

        var period = TimeSpan.FromSeconds(probe["periodSeconds"]?.GetValue<int>() ?? 10);
        var successThreshold = probe["successThreshold"]?.GetValue<int>() ?? 1;
        var failureThreshold = probe["failureThreshold"]?.GetValue<int>() ?? 3;
        var isReadiness = kind == "readinessProbe";
        int successes = 0, failures = 0;
        bool? last = isReadiness ? false : null;
        try
        {
            await Task.Delay(TimeSpan.FromSeconds(probe["initialDelaySeconds"]?.GetValue<int>() ?? 0), cancellationToken);
            while (!cancellationToken.IsCancellationRequested)
            {
                var ok = await prober.CheckAsync(probe, pod, ports, env, cancellationToken);
                successes = ok ? successes + 1 : 0;
                failures = ok ? 0 : failures + 1;
                bool? verdict = successes >= successThreshold ? true : failures >= failureThreshold ? false : null;
                if (verdict is { } v && v != last)
                {
                    last = v;
                    report(v);
                }

                await Task.Delay(period, cancellationToken);
            }
        }
        catch (OperationCanceledException)
        {
            // The instance ended.
        }
    }

    private List<string> Command(IReadOnlyDictionary<string, string> env)
    {
        var command = (container["command"] as JsonArray)?.Select(n => ContainerEnvironment.Expand((string?)n ?? "", env)).ToList();
        var args = (container["args"] as JsonArray)?.Select(n => ContainerEnvironment.Expand((string?)n ?? "", env)).ToList() ?? [];
        var image = options.Images.FirstOrDefault(i => i.Matches(Image))
            ?? throw new ContainerConfigException("ErrImagePull",
                $"image \"{Image}\" has no local command in the dev runner's image map (configure one, e.g. {Image.Split(':')[0]}:* → a command)");
        var argv = command is { Count: > 0 } ? command : [.. image.Entrypoint];
        argv.AddRange(args);
        return argv.Count == 0
            ? throw new ContainerConfigException("CreateContainerError", "no command specified")
            : argv;
    }

    private string WorkingDirectory()
    {
        if ((string?)container["workingDir"] is { Length: > 0 } dir && Directory.Exists(dir))
        {
            return dir;
        }

        return options.Images.FirstOrDefault(i => i.Matches(Image))?.WorkingDirectory ?? Directory.GetCurrentDirectory();
    }
}
