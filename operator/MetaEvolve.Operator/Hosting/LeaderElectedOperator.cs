using k8s;
using k8s.LeaderElection;
using k8s.LeaderElection.ResourceLock;
using MetaEvolve.Core.Store;
using MetaEvolve.Operator.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace MetaEvolve.Operator.Hosting;

/// <summary>
/// Runs the operator only while this instance holds the Lease (the client's LeaseLock): of several replicas one
/// reconciles, and another takes over within the lease duration when it dies. On a clean shutdown the leader
/// gives the Lease up, so the next one takes over at once.
/// </summary>
[RequiresPermission("coordination.k8s.io", "leases", "get,create,update")]
public sealed class LeaderElectedOperator(
    IServiceProvider services,
    IKubernetes client,
    OperatorOptions options,
    OperatorMetrics metrics,
    LeaderState leader,
    ILogger<LeaderElectedOperator> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lease = new LeaseLock(client, options.Namespace, options.LeaseName, options.Identity);
        var config = new LeaderElectionConfig(lease)
        {
            LeaseDuration = options.LeaseDuration,
            RenewDeadline = options.RenewDeadline,
            RetryPeriod = options.RetryPeriod,
        };
        logger.LogInformation("Operator {Identity} waits for Lease {Namespace}/{Lease}", options.Identity, options.Namespace, options.LeaseName);
        while (!stoppingToken.IsCancellationRequested)
        {
            await RunTermAsync(config, stoppingToken);
        }

        await ReleaseAsync(lease);
    }

    private async Task RunTermAsync(LeaderElectionConfig config, CancellationToken stoppingToken)
    {
        using var elector = new LeaderElector(config);
        using var term = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        Task? work = null;
        elector.OnStartedLeading += () =>
        {
            logger.LogInformation("Operator {Identity} leads", options.Identity);
            metrics.IsLeader.Set(1);
            work = Task.Run(() => LeadAsync(term.Token), CancellationToken.None);
        };
        elector.OnStoppedLeading += () =>
        {
            logger.LogWarning("Operator {Identity} stopped leading", options.Identity);
            metrics.IsLeader.Set(0);
            term.Cancel();
        };
        elector.OnError += exception => logger.LogWarning(exception, "Leader election of {Identity} failed a round", options.Identity);
        try
        {
            await elector.RunUntilLeadershipLostAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }

        await term.CancelAsync();
        if (work is not null)
        {
            await work;
        }
    }

    private async Task LeadAsync(CancellationToken cancellationToken)
    {
        using var runtime = ActivatorUtilities.CreateInstance<OperatorRuntime>(services);
        leader.Lead(runtime);
        try
        {
            await MigrateStoreAsync(cancellationToken);
            await runtime.RunAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "The operator runtime failed");
        }
        finally
        {
            leader.StandBy();
        }
    }

    private async Task MigrateStoreAsync(CancellationToken cancellationToken)
    {
        if (!options.MigrateStore)
        {
            return;
        }

        var migrator = services.GetRequiredService<StoreMigrator>();
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await migrator.MigrateAsync(cancellationToken);
                return;
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                var delay = TimeSpan.FromSeconds(Math.Min(30, attempt * 2));
                logger.LogWarning(exception, "Store migration failed; retrying in {Delay}", delay);
                await Task.Delay(delay, cancellationToken);
            }
        }
    }

    private async Task ReleaseAsync(LeaseLock lease)
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            var record = await lease.GetAsync(timeout.Token);
            if (record?.HolderIdentity != options.Identity)
            {
                return;
            }

            // An empty holder is a free Lease: a standby acquires it on its next try instead of waiting it out.
            record.HolderIdentity = null;
            record.RenewTime = DateTime.UtcNow;
            await lease.UpdateAsync(record, timeout.Token);
            logger.LogInformation("Operator {Identity} released the Lease", options.Identity);
        }
        catch (Exception exception)
        {
            logger.LogWarning(exception, "Operator {Identity} could not release the Lease; a standby takes over when it expires", options.Identity);
        }
    }
}
