using MetaEvolve.Core.Tasks;

namespace MetaEvolve.Gateway;

/// <summary>The gateway's settings (configuration section <c>Gateway</c>, e.g. env <c>Gateway__ApiKeysFile</c>).</summary>
public sealed record GatewayOptions
{
    /// <summary>JSON file of API keys (a mounted Secret): <c>{"keys": [{"name", "sha256", "namespaces"}]}</c>.</summary>
    public string ApiKeysFile { get; init; } = "/etc/metaevolve/api-keys.json";

    /// <summary>Store schema (tests use a private one).</summary>
    public string Schema { get; init; } = Core.Store.StoreOptions.DefaultSchema;

    /// <summary>Limits of the task stream, applied only when the gateway creates a missing stream (local use, tests).
    /// Its name and subjects follow the NATS root (METAEVOLVE_NATS_ROOT).</summary>
    public TaskStreamOptions TaskStream { get; init; } = new();

    /// <summary>Create the task stream when it is missing; in a cluster the operator owns it.</summary>
    public bool CreateStream { get; init; } = true;

    /// <summary>Apply store migrations at start (an advisory lock serializes concurrent migrators).</summary>
    public bool MigrateStore { get; init; } = true;

    /// <summary>Largest request body accepted, in bytes.</summary>
    public long MaxBodyBytes { get; init; } = 256 * 1024;

    /// <summary>Requests per second each API key may make (token bucket refill).</summary>
    public int RequestsPerSecond { get; init; } = 50;

    /// <summary>Requests an idle key may make at once before the rate applies.</summary>
    public int Burst { get; init; } = 100;

    /// <summary>Longest <c>?wait=</c> honoured; longer requests are shortened to it.</summary>
    public TimeSpan MaxWait { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>
    /// Most tasks one namespace may have queued (not yet taken by a worker); a submission past it is answered 429 with
    /// Retry-After and nothing is recorded or published. 0 turns the limit off.
    /// </summary>
    public int MaxQueuedPerNamespace { get; init; } = 10_000;

    /// <summary>Retry-After sent when the task queue is full.</summary>
    public TimeSpan QueueFullRetryAfter { get; init; } = TimeSpan.FromSeconds(5);

    /// <summary>How often an event stream re-reads the task while waiting (catches a lost notice, shows queued → running).</summary>
    public TimeSpan EventsRefresh { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long an accepted task's outbox entry is left to its submitter before any replica's relay publishes it
    /// (the submitter died, timed out or lost its client). Keep it well under the stream's duplicate window.
    /// </summary>
    public TimeSpan OutboxRelayAfter { get; init; } = TaskOutbox.DefaultRelayAfter;

    /// <summary>How often each replica looks for outbox entries to relay.</summary>
    public TimeSpan OutboxRelayInterval { get; init; } = TimeSpan.FromSeconds(1);
}
