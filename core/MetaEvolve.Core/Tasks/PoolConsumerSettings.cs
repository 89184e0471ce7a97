namespace MetaEvolve.Core.Tasks;

/// <summary>
/// What a pool's durable consumer is made from: the operator fills it from the AgentPool, a worker that creates a
/// missing consumer (local use, tests) from its own options. <see cref="TaskQueueTopology.PoolConsumer"/> turns it
/// into the consumer configuration.
/// </summary>
/// <param name="MaxDeliver">Attempts per task (AgentPool <c>spec.task.maxDeliver</c>).</param>
/// <param name="MaxReplicas">Most workers that may consume at once.</param>
/// <param name="Concurrency">Tasks one worker holds at once.</param>
public sealed record PoolConsumerSettings(string Namespace, string Pool, TimeSpan AckWait, int MaxDeliver, int MaxReplicas, int Concurrency);
