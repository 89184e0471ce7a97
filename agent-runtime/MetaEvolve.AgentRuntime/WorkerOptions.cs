using MetaEvolve.Core;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Crds;
namespace MetaEvolve.AgentRuntime;

/// <summary>
/// What one worker serves and how (configuration section <c>Worker</c>, e.g. env <c>Worker__Pool</c>).
/// In production the operator fills these from the AgentPool and creates the consumer itself. The stream, subjects and
/// buckets follow the NATS root (<see cref="ConnectionOptions.NatsRoot"/>).
/// </summary>
public sealed record WorkerOptions
{
    public string Namespace { get; init; } = "default";
    public string Pool { get; init; } = "default";

    /// <summary>Store schema (tests use a private one).</summary>
    public string Schema { get; init; } = Core.Store.StoreOptions.DefaultSchema;

    /// <summary>Tasks this worker runs at once (AgentPool spec.concurrency).</summary>
    public int Concurrency { get; init; } = 16;

    /// <summary>Ack wait of the consumer; in-progress heartbeats go out every third of it.</summary>
    public TimeSpan AckWait { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Attempts before a task that keeps failing transiently is dead-lettered (AgentPool spec.task.maxDeliver).</summary>
    public int MaxDeliver { get; init; } = AgentPoolDefaults.MaxDeliver;

    /// <summary>How long one task may run before it is cancelled and recorded failed with <c>timeout:</c> (AgentPool
    /// spec.task.timeoutSeconds); a task's own deadline applies when it is sooner.</summary>
    public TimeSpan TaskTimeout { get; init; } = TimeSpan.FromSeconds(AgentPoolDefaults.TimeoutSeconds);

    /// <summary>Nak delays by attempt (the last repeats); empty means <see cref="DefaultBackoff"/>. Empty by default
    /// because configuration binding appends to an array that already has elements instead of replacing them.</summary>
    public TimeSpan[] Backoff { get; init; } = [];

    public static readonly TimeSpan[] DefaultBackoff = [TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(5), TimeSpan.FromSeconds(30)];

    /// <summary>On shutdown, how long running tasks may take to finish before they are cancelled and nak'ed.</summary>
    public TimeSpan ShutdownGrace { get; init; } = TimeSpan.FromSeconds(20);

    /// <summary>Create the stream and the durable consumer when missing (local use, tests). The operator owns them in a cluster.</summary>
    public bool CreateConsumer { get; init; } = true;

    /// <summary>Most tasks claimed or recorded in one store round trip.</summary>
    public int StoreBatch { get; init; } = 256;

    /// <summary>Apply store migrations at start (every process may; an advisory lock serializes them).</summary>
    public bool MigrateStore { get; init; } = true;

    /// <summary>
    /// Days of task partitions a worker creates ahead, at start and every <see cref="PartitionMaintenanceInterval"/>.
    /// Workers never drop days: retention belongs to the operator's leader (Operator__TaskRetention), one owner of
    /// one setting, so a worker with another default cannot drop days the operator promises to keep.
    /// </summary>
    public int PartitionDaysAhead { get; init; } = 7;
    public TimeSpan PartitionMaintenanceInterval { get; init; } = TimeSpan.FromHours(1);

    /// <summary>Most workers of this pool at once (AgentPool spec.autoscaling.maxReplicas); sizes the consumer this
    /// worker creates when <see cref="CreateConsumer"/> is on.</summary>
    public int MaxReplicas { get; init; } = AgentPoolDefaults.MaxReplicas;

    /// <summary>The consumer this worker creates when it is missing, as the operator would for its pool.</summary>
    public PoolConsumerSettings ConsumerSettings => new(Namespace, Pool, AckWait, MaxDeliver, MaxReplicas, Concurrency);

    public TimeSpan BackoffFor(int attempt)
    {
        var delays = Backoff.Length == 0 ? DefaultBackoff : Backoff;
        return delays[Math.Clamp(attempt - 1, 0, delays.Length - 1)];
    }
}
