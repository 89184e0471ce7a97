using k8s;
using k8s.LeaderElection.ResourceLock;
using MetaEvolve.Core.Store;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Hosting;

/// <summary>
/// Leader election via a Lease (through the client's LeaseLock): of several replicas only the leader, the one holding
/// the Lease, runs the controllers, on a <see cref="ControllerManager"/> made fresh each time it becomes leader;
/// another takes over within the lease duration when it dies. Every round is bounded: a candidate's round by
/// RenewDeadline − RetryPeriod, a leader's by what is left of its renew deadline, so an API server that never answers
/// cannot hold a leader past that deadline. A leader that has not renewed within the renew deadline stops its
/// controllers (and sets the leader gauge to 0) before the lease duration has passed since its last renewal, which is
/// the earliest another candidate may acquire; controllers that do not stop in that margin stop the process, as
/// controller-runtime does. On a clean shutdown the leader gives the Lease up, so a standby takes over on its next try.
/// </summary>
[RequiresPermission("coordination.k8s.io", "leases", "get,create,update", OperatorNamespaceOnly = true)]
public sealed class LeaderElection(
    IServiceProvider services,
    IKubernetes client,
    OperatorOptions options,
    OperatorMetrics metrics,
    LeaderState leader,
    IHostApplicationLifetime lifetime,
    ILogger<LeaderElection> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var lease = new LeaseLock(client, options.Namespace, options.LeaseName, options.Identity);
        var candidate = new LeaseCandidate(lease, options.Identity, options.LeaseDuration, TimeProvider.System);
        logger.LogInformation("Operator {Identity} waits for Lease {Namespace}/{Lease}", options.Identity, options.Namespace, options.LeaseName);
        while (!stoppingToken.IsCancellationRequested)
        {
            var started = DateTimeOffset.UtcNow;
            if (await TryRoundAsync(candidate, options.RenewDeadline - options.RetryPeriod, stoppingToken))
            {
                await LeadWhileRenewingAsync(candidate, started, stoppingToken);
            }

            // Also after a term that ended by itself (renewal lost, the manager failed): never a tight loop.
            await PauseAsync(options.RetryPeriod, stoppingToken);
        }

        await ReleaseAsync(lease);
    }

    /// <param name="renewed">When the round that acquired the Lease started: the holder's record is no older than that.</param>
    private async Task LeadWhileRenewingAsync(LeaseCandidate candidate, DateTimeOffset renewed, CancellationToken stoppingToken)
    {
        logger.LogInformation("Operator {Identity} leads", options.Identity);
        metrics.IsLeader.Set(1);
        using var term = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var work = Task.Run(() => LeadAsync(term.Token), CancellationToken.None);
        while (!stoppingToken.IsCancellationRequested && !work.IsCompleted)
        {
            await Task.WhenAny(work, PauseAsync(options.RetryPeriod, stoppingToken));
            if (stoppingToken.IsCancellationRequested || work.IsCompleted)
            {
                break;
            }

            // The round may take only what is left of the renew deadline: a hung call ends with it.
            var left = renewed + options.RenewDeadline - DateTimeOffset.UtcNow;
            var started = DateTimeOffset.UtcNow;
            if (left > TimeSpan.Zero && await TryRoundAsync(candidate, left, stoppingToken))
            {
                renewed = started;
            }
            else if (DateTimeOffset.UtcNow - renewed >= options.RenewDeadline)
            {
                logger.LogWarning("Operator {Identity} could not renew the Lease within {Deadline} and stops leading", options.Identity, options.RenewDeadline);
                break;
            }
        }

        await term.CancelAsync();
        // Another candidate may acquire once the lease duration has passed since the last renewal: stop before then.
        var margin = renewed + options.LeaseDuration - DateTimeOffset.UtcNow;
        if (await Task.WhenAny(work, Task.Delay(margin > TimeSpan.Zero ? margin : TimeSpan.Zero, CancellationToken.None)) != work)
        {
            logger.LogCritical("Operator {Identity}: the controllers did not stop within {Margin} after leadership ended; stopping the process so two leaders never reconcile at once",
                options.Identity, margin);
            lifetime.StopApplication();
        }

        // The gauge first: whoever sees this instance standing by sees the gauge at 0 too.
        metrics.IsLeader.Set(0);
        leader.StandBy();
        logger.LogInformation("Operator {Identity} stopped leading", options.Identity);
    }

    /// <summary>One acquire-or-renew round, abandoned after <paramref name="timeout"/>; false when it failed or timed out.</summary>
    private async Task<bool> TryRoundAsync(LeaseCandidate candidate, TimeSpan timeout, CancellationToken stoppingToken)
    {
        using var bounded = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        bounded.CancelAfter(timeout);
        try
        {
            return await candidate.TryAcquireOrRenewAsync(bounded.Token);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            return false;
        }
        catch (OperationCanceledException)
        {
            logger.LogWarning("Leader election round of {Identity} got no answer within {Timeout}", options.Identity, timeout);
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
            // Bounded like a round: shutdown must not hang on an API server that does not answer.
            using var timeout = new CancellationTokenSource(options.RenewDeadline);
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
