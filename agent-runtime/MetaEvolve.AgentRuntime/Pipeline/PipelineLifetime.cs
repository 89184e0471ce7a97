namespace MetaEvolve.AgentRuntime.Pipeline;

/// <summary>
/// The three moments of a graceful stop: <see cref="Draining"/> (stop pulling, start nothing new),
/// <see cref="AbortRunning"/> (grace period over: cancel running tasks, which are nak'ed), and
/// <see cref="Stopped"/> (give up on store writes still retrying).
/// </summary>
internal sealed class PipelineLifetime : IDisposable
{
    private readonly CancellationTokenSource _draining = new();
    private readonly CancellationTokenSource _abortRunning = new();
    private readonly CancellationTokenSource _stopped = new();

    public CancellationToken Draining => _draining.Token;
    public CancellationToken AbortRunning => _abortRunning.Token;
    public CancellationToken Stopped => _stopped.Token;
    public bool IsDraining => _draining.IsCancellationRequested;

    public void BeginDrain() => _draining.Cancel();
    public void Abort() => _abortRunning.Cancel();
    public void Stop() => _stopped.Cancel();

    public void Dispose()
    {
        _draining.Dispose();
        _abortRunning.Dispose();
        _stopped.Dispose();
    }
}
