namespace MetaEvolve.AgentRuntime.Execution;

/// <summary>Answers whether this worker's pool serves an agent; a task for any other agent fails with the reason.</summary>
public interface IAgentDirectory
{
    /// <summary>Null when the agent is served; otherwise why not (recorded on the task).</summary>
    public ValueTask<string?> RefuseAsync(string ns, string pool, string agent, CancellationToken cancellationToken);
}
