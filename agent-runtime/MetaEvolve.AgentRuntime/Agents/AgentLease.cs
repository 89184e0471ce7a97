namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>A task's hold on the agent snapshot it runs on; dispose when the task ends.</summary>
public sealed class AgentLease(AgentSnapshot snapshot) : IDisposable
{
    private int _disposed;

    public AgentSnapshot Snapshot { get; } = snapshot;

    public void Dispose()
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            Snapshot.Release();
        }
    }
}
