namespace MetaEvolve.Gateway.Tasks;

/// <summary>The agent's pool has no consumer on the task stream (deleted, or not reconciled yet): nothing would run the task.</summary>
public sealed class PoolWithoutConsumerException(string ns, string pool, string agent)
    : Exception($"pool {ns}/{pool} has no consumer: agent '{agent}' belongs to it, and nothing would run its tasks (the pool was deleted or is not reconciled yet)")
{
    public string Pool { get; } = pool;
}
