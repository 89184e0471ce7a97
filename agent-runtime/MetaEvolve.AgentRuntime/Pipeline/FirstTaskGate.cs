namespace MetaEvolve.AgentRuntime.Pipeline;

/// <summary>
/// Opens once the worker has settled its first task or found its queue empty on its first pull. Work a new worker
/// could do at start but that no first task needs (building the pool's agents, watching the config bucket) waits for
/// it, so a worker woken from zero for a task spends its first moments of CPU on that task.
/// </summary>
internal sealed class FirstTaskGate
{
    private readonly TaskCompletionSource _open = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Open() => _open.TrySetResult();

    public Task WaitAsync(CancellationToken cancellationToken) => _open.Task.WaitAsync(cancellationToken);
}
