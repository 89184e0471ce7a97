using System.Diagnostics;
using System.Globalization;
using MetaEvolve.Core.Skills.Sandbox;

namespace MetaEvolve.Core.Skills.Hosting;

/// <summary>
/// One skill host child: one digest, at most one tenant, one call at a time. Disposable by design — any doubt
/// about its state (a stop, a death, an oversized answer) and the pool kills it and starts another.
/// </summary>
internal sealed class SkillHostProcess : IDisposable
{
    private const int StderrLines = 20;

    private readonly Process _process;
    private readonly string _workDirectory;
    private readonly Queue<string> _stderr = new();

    // A crash report starts with its reason ("Stack overflow.") and may go on for thousands of frames.
    private readonly List<string> _stderrHead = [];
    private int _killReason = -1;

    private SkillHostProcess(Process process, string workDirectory, string digest)
    {
        _process = process;
        _workDirectory = workDirectory;
        Digest = digest;
    }

    /// <summary>The version this host serves (empty for a spare that has loaded nothing yet).</summary>
    public string Digest { get; set; }

    /// <summary>The tenant this host has served; null until its first call (a host that only loaded holds no one's state).</summary>
    public string? Tenant { get; set; }

    public long IdleSince { get; set; }

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>Why the pool killed this host, if it did.</summary>
    public SkillStopReason? KilledFor => _killReason < 0 ? null : (SkillStopReason)_killReason;

    public static SkillHostProcess Start(SkillHostLaunch launch, string digest)
    {
        var workDirectory = Directory.CreateTempSubdirectory("metaevolve-skillhost-").FullName;
        var process = new Process { StartInfo = launch.StartInfo(workDirectory) };
        var host = new SkillHostProcess(process, workDirectory, digest);
        process.ErrorDataReceived += (_, e) => host.Remember(e.Data);
        try
        {
            process.Start();
        }
        catch
        {
            process.Dispose();
            Directory.Delete(workDirectory, recursive: true);
            throw;
        }

        process.BeginErrorReadLine();
        return host;
    }

    /// <summary>Sends one request and reads its answer; null when the host closed the channel (it died).</summary>
    public async Task<SkillHostResponse?> ExchangeAsync(SkillHostRequest request, int maxAnswerBytes)
    {
        try
        {
            await SkillHostChannel.WriteAsync(_process.StandardInput.BaseStream, request, CancellationToken.None);
            return await SkillHostChannel.ReadAsync<SkillHostResponse>(_process.StandardOutput.BaseStream, maxAnswerBytes, CancellationToken.None);
        }
        catch (IOException)
        {
            // A broken pipe: the host is gone.
            return null;
        }
    }

    /// <summary>SIGKILL, remembering why (the first reason wins).</summary>
    public void Kill(SkillStopReason reason)
    {
        Interlocked.CompareExchange(ref _killReason, (int)reason, -1);
        try
        {
            _process.Kill(entireProcessTree: false);
        }
        catch (InvalidOperationException)
        {
            // Already gone.
        }
    }

    /// <summary>Resident memory now, from /proc (0 once the process is gone).</summary>
    public long ResidentBytes()
    {
        try
        {
            var statm = File.ReadAllText($"/proc/{_process.Id}/statm");
            var fields = statm.Split(' ', 3);
            return long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or FormatException or InvalidOperationException)
        {
            return 0;
        }
    }

    /// <summary>How the host ended, for the call's error: its exit code or signal and the last lines it wrote.</summary>
    public async Task<string> DescribeExitAsync()
    {
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(2));
        try
        {
            await _process.WaitForExitAsync(wait.Token);
        }
        catch (OperationCanceledException)
        {
            Kill(SkillStopReason.Crashed);
            return "the skill host stopped answering";
        }

        var code = _process.ExitCode;
        var how = code > 128 ? $"the skill host died of signal {code - 128}" : $"the skill host exited with code {code}";
        string[] tail;
        lock (_stderr)
        {
            tail = [.. _stderrHead, .. _stderr];
        }

        var reason = tail.FirstOrDefault(l => l.Contains("Stack overflow", StringComparison.OrdinalIgnoreCase))
            ?? tail.FirstOrDefault(l => l.Contains("out of memory", StringComparison.OrdinalIgnoreCase) || l.Contains("OutOfMemory", StringComparison.Ordinal))
            ?? tail.FirstOrDefault(l => l.Contains("Fail", StringComparison.Ordinal))
            ?? tail.FirstOrDefault(l => l.Contains("exception", StringComparison.OrdinalIgnoreCase))
            ?? tail.LastOrDefault(l => l.Trim().Length > 0);
        return reason is null ? how : $"{how}: {reason.Trim()}";
    }

    /// <summary>Kills the host if it still runs and removes its working directory.</summary>
    public void Dispose()
    {
        if (!_process.HasExited)
        {
            Kill(SkillStopReason.Cancelled);
        }

        try
        {
            _process.WaitForExit(2000);
        }
        catch (InvalidOperationException)
        {
        }

        _process.Dispose();
        try
        {
            Directory.Delete(_workDirectory, recursive: true);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            // Nothing of value is in it; the next tmp clean-up takes it.
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_stderr)
        {
            if (_stderrHead.Count < 5)
            {
                _stderrHead.Add(line.Length > 500 ? line[..500] : line);
                return;
            }

            _stderr.Enqueue(line.Length > 500 ? line[..500] : line);
            while (_stderr.Count > StderrLines)
            {
                _stderr.Dequeue();
            }
        }
    }
}
