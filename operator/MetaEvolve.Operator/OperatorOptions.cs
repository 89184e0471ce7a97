using MetaEvolve.Core.Packaging;
using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Operator.ExternalMetrics;
using MetaEvolve.Operator.Retention;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator;

/// <summary>
/// Settings of one operator instance (configuration section <c>Operator</c>, e.g. env <c>Operator__Namespace</c>).
/// Connection settings come from <see cref="Core.ConnectionOptions"/> (METAEVOLVE_NATS_URL, ...), and with them the
/// NATS root that names the task stream and the config bucket (METAEVOLVE_NATS_ROOT).
/// </summary>
public sealed record OperatorOptions
{
    /// <summary>Namespace of the leader-election Lease (the operator's own namespace in a cluster).</summary>
    public string Namespace { get; init; } = "default";

    public string LeaseName { get; init; } = "metaevolve-operator";

    /// <summary>This instance's name in the Lease; defaults to the host name plus a random suffix.</summary>
    public string Identity { get; init; } = $"{Environment.MachineName}-{Guid.NewGuid().ToString("N")[..8]}";

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);
    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);
    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// Keys of one kind reconciled at once (controller-runtime's MaxConcurrentReconciles). A reconcile mostly waits on
    /// the API server, NATS and PostgreSQL, so a cold start over 1,000 pools wants more than the cores: on two cores
    /// make bench-operator measured 21.9 s with 4 and 12.0–14.4 s with 16.
    /// </summary>
    public int Workers { get; init; } = 16;

    /// <summary>agent-runtime image for pools that do not name one: the image of this release.</summary>
    public string DefaultImage { get; init; } = ContainerImages.Reference(ContainerImages.AgentRuntime);

    /// <summary>Store schema the operator writes and the workers read.</summary>
    public string StoreSchema { get; init; } = StoreOptions.DefaultSchema;

    /// <summary>Apply store migrations at start.</summary>
    public bool MigrateStore { get; init; } = true;

    /// <summary>How often every AgentPool, Agent and Skill is reconciled again without a change (drift repair); zero turns it off.</summary>
    public TimeSpan ResyncPeriod { get; init; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// How often a Ready Mcp skill's server is asked again for its tools, so that status.functions follows the server and
    /// Ready turns False when it stops answering (a server that does not answer is retried with backoff instead).
    /// </summary>
    public TimeSpan McpProbeInterval { get; init; } = TimeSpan.FromMinutes(1);

    /// <summary>How often the leader reads every pool's queue lag (status, gauges, the 0↔1 step); one paged request.</summary>
    public TimeSpan QueuePollInterval { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// Least time between two status writes of a pool whose only change is its queue figures (status.queue moves on
    /// every poll of a busy pool); a change of anything else, a condition above all, is written at once. Zero writes
    /// every change.
    /// </summary>
    public TimeSpan StatusInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>
    /// NATS monitoring endpoint (host:port) that KEDA's nats-jetstream scaler reads for pools in mode Keda; by default
    /// the NATS server's host on port 8222.
    /// </summary>
    public string? NatsMonitoringEndpoint { get; init; }

    /// <summary>
    /// How often the leader announces its region's pool health (ready workers, lag, how long a pool has been unavailable)
    /// to every region over NATS; only with METAEVOLVE_REGION. Readers call a region silent after three intervals.
    /// </summary>
    public TimeSpan RegionHealthInterval { get; init; } = TimeSpan.FromSeconds(2);

    public WatchOptions Watch { get; init; } = new();

    public WorkQueueOptions Queue { get; init; } = new();

    /// <summary>
    /// Longest a new leader waits for every cache's first list before its controllers start; past it the term ends
    /// and the leader starts over with fresh caches (a list that hung is asked again).
    /// </summary>
    public TimeSpan CacheSyncTimeout { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Longest one reconcile may take before it is abandoned and retried with backoff.</summary>
    public TimeSpan ReconcileTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Throws naming the option when the leader-election timings cannot keep one leader at a time: a leader must give
    /// up (renew deadline) before another may take over (lease duration), and must get more than one try (retry period).
    /// </summary>
    public void Validate()
    {
        static string Seconds(TimeSpan t) => $"{t.TotalSeconds:0.###} s";
        if (RetryPeriod <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Operator:RetryPeriod ({Seconds(RetryPeriod)}) must be positive", nameof(RetryPeriod));
        }

        if (RenewDeadline <= RetryPeriod)
        {
            throw new ArgumentException($"Operator:RenewDeadline ({Seconds(RenewDeadline)}) must be longer than Operator:RetryPeriod ({Seconds(RetryPeriod)}): a leader needs more than one try to renew", nameof(RenewDeadline));
        }

        if (LeaseDuration <= RenewDeadline)
        {
            throw new ArgumentException($"Operator:LeaseDuration ({Seconds(LeaseDuration)}) must be longer than Operator:RenewDeadline ({Seconds(RenewDeadline)}): a leader that cannot renew must stop before another may take over", nameof(LeaseDuration));
        }

        if (Workers < 1)
        {
            throw new ArgumentException($"Operator:Workers ({Workers}) must be at least 1", nameof(Workers));
        }

        if (StatusInterval < TimeSpan.Zero)
        {
            throw new ArgumentException($"Operator:StatusInterval ({Seconds(StatusInterval)}) must not be negative (zero writes every change)", nameof(StatusInterval));
        }

        if (UsageInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Operator:UsageInterval ({Seconds(UsageInterval)}) must be positive", nameof(UsageInterval));
        }

        if (ApprovalSweepInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Operator:ApprovalSweepInterval ({Seconds(ApprovalSweepInterval)}) must be positive", nameof(ApprovalSweepInterval));
        }

        if (RegionHealthInterval <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Operator:RegionHealthInterval ({Seconds(RegionHealthInterval)}) must be positive", nameof(RegionHealthInterval));
        }

        if (CacheSyncTimeout <= TimeSpan.Zero)
        {
            throw new ArgumentException($"Operator:CacheSyncTimeout ({Seconds(CacheSyncTimeout)}) must be positive", nameof(CacheSyncTimeout));
        }
    }

    /// <summary>
    /// Give each namespace with pools a PostgreSQL role and a Redis user of its own (docs/security.md) and put those in
    /// its connection Secret instead of the operator's credentials. Off only where the store cannot have them (no
    /// CREATEROLE, no Redis ACL): then every namespace's workers hold the operator's credentials.
    /// </summary>
    public bool ScopedCredentials { get; init; } = true;

    /// <summary>
    /// How often an Agent's status.usage (today's tokens and cost from the workers' counters) and its BudgetExceeded
    /// condition are refreshed, and its Namespace's budget annotations read again. Status is written only when they changed.
    /// </summary>
    public TimeSpan UsageInterval { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How often the leader fails parked tasks whose approval timed out (an Agent's spec.approvalTimeoutSeconds); a task
    /// fails at most this long after its deadline, or at once when someone tries to decide on it after the deadline.
    /// </summary>
    public TimeSpan ApprovalSweepInterval { get; init; } = TimeSpan.FromSeconds(15);

    /// <summary>The workers' Redis key prefix (their <c>Agents__RedisPrefix</c>); a namespace's Redis user reaches only its keys under it.</summary>
    public string RedisPrefix { get; init; } = "metaevolve";

    /// <summary>
    /// The NATS URL the workers use when their namespace has none in <see cref="NamespaceNatsUrls"/>; empty: the
    /// operator's own. Credentials go in the URL (<c>nats://user:password@host:4222</c>), so workers need not share the
    /// operator's NATS user.
    /// </summary>
    public string? WorkerNatsUrl { get; init; }

    /// <summary>Per namespace, the NATS URL (with that namespace's user) its workers use (env <c>Operator__NamespaceNatsUrls__team-a</c>).</summary>
    public Dictionary<string, string> NamespaceNatsUrls { get; init; } = new(StringComparer.Ordinal);

    /// <summary>The HTTPS <c>external.metrics.k8s.io</c> endpoint the pools' HPAs read queue lag from.</summary>
    public ExternalMetricsOptions ExternalMetrics { get; init; } = new();

    /// <summary>Task partitions: created ahead, dropped after retention by the leader (even with every pool at zero).</summary>
    public TaskRetentionOptions TaskRetention { get; init; } = new();

    /// <summary>
    /// The task stream the operator creates (<c>Operator__TaskStream__*</c>): replicas (3 on a three-node JetStream
    /// cluster, chart value <c>connections.nats.streamReplicas</c>), size limits. The region streams take the same replicas.
    /// </summary>
    public TaskStreamOptions TaskStream { get; init; } = new();
}
