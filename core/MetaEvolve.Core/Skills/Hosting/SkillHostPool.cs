using System.Diagnostics;
using MetaEvolve.Core.Skills.Sandbox;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MetaEvolve.Core.Skills.Hosting;

/// <summary>
/// The <see cref="ISkillExecutor"/> that runs skill code in child processes. Keeps warm hosts per (tenant, digest),
/// runs one call per host at a time, and enforces every limit from outside: a deadline (SIGKILL), resident memory
/// (watched, SIGKILL), answer size (read limit), and a crash costs only the call that caused it.
/// </summary>
public sealed class SkillHostPool : ISkillExecutor, IAsyncDisposable, IDisposable
{
    private readonly SkillHostOptions _options;
    private readonly SkillHostLaunch _launch;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _capacity;
    private readonly Lock _lock = new();
    private readonly Dictionary<(string? Tenant, string Digest), Stack<SkillHostProcess>> _idle = [];
    private readonly HashSet<SkillHostProcess> _busy = [];
    private readonly Timer _watch;
    private long _started;
    private bool _disposed;

    // A host started ahead of need, runtime up and waiting for its load: a new skill version (a reload) then pays
    // for the load only, not for a process and runtime start. It has loaded nothing, so anyone may take it.
    private SkillHostProcess? _spare;

    // Completed (and replaced) whenever a host goes idle or gives back its slot; see TakeIdleOrReserveSlotAsync.
    private TaskCompletionSource _released = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public SkillHostPool(SkillHostOptions options, ILogger<SkillHostPool>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        _options = options;
        _launch = new SkillHostLaunch(options);
        _logger = logger ?? NullLogger<SkillHostPool>.Instance;
        _capacity = new SemaphoreSlim(options.MaxHosts, options.MaxHosts);
        NonDumpableApplied = NonDumpable.TryApply();
        _watch = new Timer(_ => Watch(), null, options.MemoryWatchInterval, options.MemoryWatchInterval);
        if (options.SpareHost)
        {
            _spare = SkillHostProcess.Start(_launch, digest: "");
        }

        _logger.LogInformation(
            "Skill hosts: {HostPath}, at most {MaxHosts}, heap limit {HeapMb} MB, resident limit {ResidentMb} MB, address-space limit {AddressSpace}, this process non-dumpable: {NonDumpable}",
            _launch.HostPath, options.MaxHosts, options.HeapHardLimitBytes >> 20, options.MaxResidentBytes >> 20,
            _launch.AddressSpaceLimited ? $"{options.AddressSpaceLimitBytes >> 20} MB" : "not applied (no prlimit)", NonDumpableApplied);
    }

    /// <summary>Whether this process could mark itself non-dumpable (see <see cref="NonDumpable"/>).</summary>
    public bool NonDumpableApplied { get; }

    /// <summary>Whether the address-space limit is applied to hosts on this machine.</summary>
    public bool AddressSpaceLimited => _launch.AddressSpaceLimited;

    /// <summary>Hosts started so far (tests and benchmarks watch reuse through it).</summary>
    public long HostsStarted => Interlocked.Read(ref _started);

    /// <summary>Process ids of hosts running a call now (tests kill one from outside).</summary>
    public IReadOnlyList<int> BusyHostIds
    {
        get
        {
            lock (_lock)
            {
                return [.. _busy.Select(h => h.Id)];
            }
        }
    }

    /// <summary>
    /// Reads the functions from the assembly's metadata without running its code (see <see cref="SkillSignatureReader"/>);
    /// a version whose constructors fail shows that at its first call, as a stop or failure of that call.
    /// </summary>
    public Task<SkillDescription> DescribeAsync(SkillAssembly assembly, SkillLimits limits, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Task.FromResult(SkillSignatureReader.Read(assembly));
    }

    public async Task<SkillCallOutcome> CallAsync(SkillCallRequest request, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(request);
        var (host, failure) = await AcquireAsync(request.Assembly, request.Tenant, request.Limits, cancellationToken);
        if (host is null)
        {
            return failure!;
        }

        var (outcome, reusable) = await ExchangeAsync(host, SkillHostRequest.Call(request.Function, request.Arguments, request.Limits), request.Limits, cancellationToken);
        Release(host, reusable && outcome.Status != SkillCallStatus.Stopped);
        return outcome.Outcome;
    }

    public async Task<IReadOnlyList<SkillTestOutcome>> RunTestsAsync(
        SkillAssembly assembly, IReadOnlyList<SkillTestCaseDefinition> tests, SkillLimits limits, string tenant, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(tests);
        var results = new List<SkillTestOutcome>(tests.Count);
        foreach (var test in tests)
        {
            var outcome = await CallAsync(new SkillCallRequest(assembly, test.Function, test.Arguments, limits, tenant), cancellationToken);
            results.Add(SkillTestJudge.Judge(test, outcome));
        }

        return results;
    }

    /// <summary>A warm host for the key, or a fresh one that has loaded the assembly; a load that fails returns why.</summary>
    private async Task<(SkillHostProcess? Host, SkillCallOutcome? Failure)> AcquireAsync(
        SkillAssembly assembly, string? tenant, SkillLimits limits, CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (await TakeIdleOrReserveSlotAsync(tenant, assembly.Digest, cancellationToken) is { } warm)
        {
            return (warm, null);
        }

        SkillHostProcess host;
        try
        {
            host = TakeSpare(assembly.Digest) ?? SkillHostProcess.Start(_launch, assembly.Digest);
        }
        catch
        {
            ReleaseSlot();
            throw;
        }

        Interlocked.Increment(ref _started);
        lock (_lock)
        {
            _busy.Add(host);
        }

        var loadLimits = limits with { Timeout = limits.Timeout + _options.StartTimeout };
        var (loaded, reusable) = await ExchangeAsync(host, SkillHostRequest.Load(assembly, limits), loadLimits, cancellationToken);
        if (loaded.Status != SkillCallStatus.Completed || !reusable)
        {
            Release(host, reusable: false);
            return (null, loaded.Outcome);
        }

        host.Tenant = tenant;
        return (host, null);
    }

    /// <summary>One request on one host under the deadline; any way the host fails becomes the call's outcome.</summary>
    private async Task<(SkillHostResponse Response, bool Reusable)> ExchangeAsync(
        SkillHostProcess host, SkillHostRequest request, SkillLimits limits, CancellationToken cancellationToken)
    {
        var deadline = limits.Timeout + _options.KillGrace;
        var exchange = host.ExchangeAsync(request, _options.MaxOutputBytes);
        SkillHostResponse? response;
        try
        {
            response = await exchange.WaitAsync(deadline, cancellationToken);
        }
        catch (TimeoutException)
        {
            host.Kill(SkillStopReason.Timeout);
            await Settle(exchange);
            return (Stopped(SkillStopReason.Timeout,
                $"skill call stopped: timeout (time limit of {limits.Timeout.TotalMilliseconds:0} ms exceeded and the skill host did not give the CPU back, so it was killed)"), false);
        }
        catch (OperationCanceledException)
        {
            host.Kill(SkillStopReason.Cancelled);
            await Settle(exchange);
            return (Stopped(SkillStopReason.Cancelled, "skill call stopped: cancelled"), false);
        }
        catch (SkillHostFrameTooLargeException tooLarge)
        {
            host.Kill(SkillStopReason.OutputTooLarge);
            return (Stopped(SkillStopReason.OutputTooLarge,
                $"skill call stopped: output too large ({tooLarge.Length} bytes; the limit is {_options.MaxOutputBytes} bytes)"), false);
        }

        if (response is not null)
        {
            return (response, true);
        }

        // The channel closed: the host died — killed by the memory watch, or it crashed by itself.
        return host.KilledFor == SkillStopReason.OutOfMemory
            ? (Stopped(SkillStopReason.OutOfMemory, $"skill call stopped: memory (the skill host's resident memory passed {_options.MaxResidentBytes >> 20} MB, so it was killed)"), false)
            : (Stopped(SkillStopReason.Crashed, $"skill call stopped: crashed ({await host.DescribeExitAsync()})"), false);
    }

    private static SkillHostResponse Stopped(SkillStopReason reason, string message) =>
        new() { Status = SkillCallStatus.Stopped, Error = message, StopReason = reason };

    private static async Task Settle(Task<SkillHostResponse?> exchange)
    {
        try
        {
            await exchange.WaitAsync(TimeSpan.FromSeconds(5));
        }
#pragma warning disable CA1031 // The host was killed; whatever its half-finished exchange ends with is moot.
        catch (Exception)
#pragma warning restore CA1031
        {
        }
    }

    /// <summary>The spare host for <paramref name="digest"/>, with a new spare started in its place.</summary>
    private SkillHostProcess? TakeSpare(string digest)
    {
        if (!_options.SpareHost)
        {
            return null;
        }

        SkillHostProcess? spare;
        lock (_lock)
        {
            spare = _spare;
            _spare = _disposed ? null : SkillHostProcess.Start(_launch, digest: "");
        }

        if (spare is null || spare.HasExited)
        {
            spare?.Dispose();
            return null;
        }

        spare.Digest = digest;
        return spare;
    }

    private SkillHostProcess? TakeIdle(string? tenant, string digest)
    {
        lock (_lock)
        {
            // Its own warm host first; else one that only loaded the digest and never served anyone.
            foreach (var key in tenant is null ? [(tenant, digest)] : new[] { (tenant, digest), ((string?)null, digest) })
            {
                while (_idle.TryGetValue(key, out var stack) && stack.TryPop(out var host))
                {
                    if (stack.Count == 0)
                    {
                        _idle.Remove(key);
                    }

                    if (host.HasExited)
                    {
                        Discard(host);
                        continue;
                    }

                    host.Tenant ??= tenant;
                    _busy.Add(host);
                    return host;
                }
            }
        }

        return null;
    }

    /// <summary>
    /// A warm host for the key, or null once a slot for a new host is reserved. When every slot is taken, an idle host
    /// of another skill makes room; with none idle, waits until a busy host is released and looks again. Waiting on
    /// the slots alone would hang: a host released to idle keeps its slot, so a caller of another skill version
    /// (a reload) would wait for the idle timeout.
    /// </summary>
    private async Task<SkillHostProcess?> TakeIdleOrReserveSlotAsync(string? tenant, string digest, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task released;
            lock (_lock)
            {
                // Taken before looking, so a release between the look and the wait is not missed.
                released = _released.Task;
            }

            if (TakeIdle(tenant, digest) is { } warm)
            {
                return warm;
            }

            if (_capacity.Wait(TimeSpan.Zero, cancellationToken))
            {
                return null;
            }

            if (!EvictOldestIdle())
            {
                await released.WaitAsync(cancellationToken);
            }
        }
    }

    /// <summary>Wakes callers waiting for a host: one went idle or gave back its slot. Called under the lock.</summary>
    private void SignalReleased()
    {
        _released.TrySetResult();
        _released = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private bool EvictOldestIdle()
    {
        SkillHostProcess? oldest = null;
        lock (_lock)
        {
            foreach (var (key, stack) in _idle)
            {
                foreach (var host in stack)
                {
                    if (oldest is null || host.IdleSince < oldest.IdleSince)
                    {
                        oldest = host;
                    }
                }
            }

            if (oldest is null)
            {
                return false;
            }

            RemoveIdle(oldest);
        }

        Discard(oldest);
        return true;
    }

    private void Release(SkillHostProcess host, bool reusable)
    {
        lock (_lock)
        {
            _busy.Remove(host);
            var key = (host.Tenant, host.Digest);
            if (reusable && !_disposed && !host.HasExited && host.KilledFor is null
                && (!_idle.TryGetValue(key, out var stack) || stack.Count < _options.MaxIdleHostsPerSkill))
            {
                host.IdleSince = Stopwatch.GetTimestamp();
                if (!_idle.TryGetValue(key, out stack))
                {
                    _idle[key] = stack = new Stack<SkillHostProcess>();
                }

                stack.Push(host);
                SignalReleased();
                return;
            }
        }

        Discard(host);
    }

    private void Discard(SkillHostProcess host)
    {
        host.Dispose();
        ReleaseSlot();
    }

    private void ReleaseSlot()
    {
        _capacity.Release();
        lock (_lock)
        {
            SignalReleased();
        }
    }

    private void RemoveIdle(SkillHostProcess host)
    {
        var key = (host.Tenant, host.Digest);
        if (_idle.TryGetValue(key, out var stack))
        {
            var rest = stack.Where(h => h != host).Reverse().ToArray();
            if (rest.Length == 0)
            {
                _idle.Remove(key);
            }
            else
            {
                _idle[key] = new Stack<SkillHostProcess>(rest);
            }
        }
    }

    /// <summary>Kills busy hosts past the resident limit and stops hosts idle past the idle timeout.</summary>
    private void Watch()
    {
        SkillHostProcess[] busy;
        var expired = new List<SkillHostProcess>();
        lock (_lock)
        {
            busy = [.. _busy];
            var now = Stopwatch.GetTimestamp();
            foreach (var host in _idle.Values.SelectMany(s => s).ToList())
            {
                if (Stopwatch.GetElapsedTime(host.IdleSince, now) > _options.IdleTimeout || host.HasExited)
                {
                    RemoveIdle(host);
                    expired.Add(host);
                }
            }
        }

        foreach (var host in busy)
        {
            var resident = host.ResidentBytes();
            if (resident > _options.MaxResidentBytes)
            {
                _logger.LogWarning("Killing skill host {Pid} for {Digest}: resident memory {ResidentMb} MB over the limit of {LimitMb} MB",
                    host.Id, host.Digest, resident >> 20, _options.MaxResidentBytes >> 20);
                host.Kill(SkillStopReason.OutOfMemory);
            }
        }

        foreach (var host in expired)
        {
            Discard(host);
        }
    }

    public void Dispose()
    {
        SkillHostProcess[] all;
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }

            _disposed = true;
            all = [.. _idle.Values.SelectMany(s => s), .. _busy, .. _spare is null ? Array.Empty<SkillHostProcess>() : [_spare]];
            _idle.Clear();
            _spare = null;
        }

        _watch.Dispose();
        foreach (var host in all)
        {
            host.Kill(SkillStopReason.Cancelled);
            host.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        Dispose();
        return ValueTask.CompletedTask;
    }
}
