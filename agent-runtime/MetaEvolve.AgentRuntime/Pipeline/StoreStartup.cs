using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;

namespace MetaEvolve.AgentRuntime.Pipeline;

/// <summary>Before the first pull: migrate the store schema and make sure today's partitions exist, retrying while PostgreSQL is away.</summary>
internal sealed class StoreStartup(WorkerOptions options, StoreMigrator migrator, TaskPartitionMaintenance partitions, StoreRetry retry, ILogger<StoreStartup> logger)
{
    private volatile bool _done;

    public async Task EnsureAsync(CancellationToken cancellationToken)
    {
        if (_done)
        {
            return;
        }
        // Up to date is the common case (a worker waking from zero): one query instead of Evolve's round trips and
        // start-up under the migration lock.
        if (options.MigrateStore && !await retry.RunAsync(migrator.IsUpToDateAsync, "checking the store schema", cancellationToken))
        {
            await retry.RunAsync(migrator.MigrateAsync, "migrating the store", cancellationToken);
        }
        await retry.RunAsync(ct => partitions.RunAsync(options.PartitionDaysAhead, retentionDays: null, ct), "creating task partitions", cancellationToken);
        logger.LogInformation("Store schema {Schema} ready", options.Schema);
        _done = true;
    }
}
