using k8s;
using k8s.LeaderElection.ResourceLock;
using MetaEvolve.Core.Store;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Hosting;

/// <summary>
/// Leader election via a Lease (through the client's LeaseLock): of several replicas only the leader, the one holding
/// the Lease, runs the controllers, on a <see cref="ControllerManager"/> made fresh each time it becomes leader;
/// another takes over within the lease duration when it dies. A leader that cannot renew within the renew deadline
/// stops at once. On a clean shutdown the leader gives the Lease up, so a standby takes over on its next try.
/// </summary>
[RequiresPermission("coordination.k8s.io", "leases", "get,create,update", OperatorNamespaceOnly = true)]
public sealed class LeaderElection(
    IServiceProvider services,
    IKubernetes client,
    OperatorOptions options,
    OperatorMetrics metrics,
    LeaderState leader,
    ILogger<LeaderElection> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lease = new LeaseLock(client, options.Namespace, options.LeaseName, options.Identity);
        var candidate = new LeaseCandidate(lease, options.Identity, options.LeaseDuration, TimeProvider.System);
        logger.LogInformation("Operator {Identity} waits for Lease {Namespace}/{Lease}", options.Identity, options.Namespace, options.LeaseName);
        while (!stoppingToken.IsCancellationRequested)
        {
            if (await TryRoundAsync(candidate, stoppingToken))
            {
                await LeadWhileRenewingAsync(candidate, stoppingToken);
            }
            else
            {
                await PauseAsync(options.RetryPeriod, stoppingToken);
            }
        }

        await ReleaseAsync(lease);
    }

    private async Task LeadWhileRenewingAsync(LeaseCandidate candidate, CancellationToken stoppingToken)
    {
        logger.LogInformation("Operator {Identity} leads", options.Identity);
        metrics.IsLeader.Set(1);
        using var term = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var work = Task.Run(() => LeadAsync(term.Token), CancellationToken.None);
        var lastRenewal = DateTimeOffset.UtcNow;
        while (!stoppingToken.IsCancellationRequested && !work.IsCompleted)
        {
            await PauseAsync(options.RetryPeriod, stoppingToken);
            if (stoppingToken.IsCancellationRequested)
            {
                break;
            }

            if (await TryRoundAsync(candidate, stoppingToken))
            {
                lastRenewal = DateTimeOffset.UtcNow;
            }
            else if (DateTimeOffset.UtcNow - lastRenewal > options.RenewDeadline)
            {
                logger.LogWarning("Operator {Identity} could not renew the Lease within {Deadline} and stops leading", options.Identity, options.RenewDeadline);
                break;
            }
        }

        await term.CancelAsync();
        await work;
        metrics.IsLeader.Set(0);
        logger.LogInformation("Operator {Identity} stopped leading", options.Identity);
    }

    private async Task<bool> TryRoundAsync(LeaseCandidate candidate, CancellationToken stoppingToken)
    {
        try
        {
            return await candidate.TryAcquireOrRenewAsync(stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
        catch (Exception exception)
        {
            // The API server is unreachable or a concurrent candidate won the update: try again next round.
            logger.LogWarning(exception, "Leader election round of {Identity} failed", options.Identity);
            return false;
        }
    }

    private async Task LeadAsync(CancellationToken cancellationToken)
    {
        using var manager = OperatorControllers.Create(services);
        leader.Lead(manager);
        try
        {
            await MigrateStoreAsync(cancellationToken);
            await manager.RunAsync(cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception exception)
        {
            logger.LogError(exception, "The controller manager failed");
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

            // An empty holder is a free Lease: a standby acquires it on its next round instead of waiting it out.
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

    private static async Task PauseAsync(TimeSpan delay, CancellationToken cancellationToken)
    {
        try
        {
            await Task.Delay(delay, cancellationToken);
        }
        catch (OperationCanceledException)
        {
        }
    }
}
