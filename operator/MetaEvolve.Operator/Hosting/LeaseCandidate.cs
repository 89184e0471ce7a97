using k8s.Autorest;
using k8s.LeaderElection;

namespace MetaEvolve.Operator.Hosting;

/// <summary>
/// The acquire/renew rules of client-go's leader election over the client's <see cref="ILock"/> (a LeaseLock):
/// a candidate takes a Lease that is free (no holder) or whose record has not changed for the lease duration
/// as this process measured it (clocks of different machines are never compared); the holder renews it.
/// The client's own LeaderElector did not take over a released Lease in our tests, so the loop is ours and the
/// lock — and its optimistic concurrency on the resourceVersion — is the client's.
/// </summary>
public sealed class LeaseCandidate(ILock lease, string identity, TimeSpan leaseDuration, TimeProvider time)
{
    private LeaderElectionRecord? _observed;
    private DateTimeOffset _observedAt;

    /// <summary>One round: returns true when this identity holds the Lease afterwards.</summary>
    public async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        LeaderElectionRecord? current;
        try
        {
            current = await lease.GetAsync(cancellationToken);
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == System.Net.HttpStatusCode.NotFound)
        {
            current = null;
        }

        var mine = new LeaderElectionRecord
        {
            HolderIdentity = identity,
            LeaseDurationSeconds = (int)Math.Ceiling(leaseDuration.TotalSeconds),
            AcquireTime = now.UtcDateTime,
            RenewTime = now.UtcDateTime,
        };
        if (current is null)
        {
            return await lease.CreateAsync(mine, cancellationToken);
        }

        if (_observed is null || !Same(_observed, current))
        {
            _observed = current;
            _observedAt = now;
        }

        var held = current.HolderIdentity == identity;
        var free = string.IsNullOrEmpty(current.HolderIdentity) || _observedAt + leaseDuration <= now;
        if (!held && !free)
        {
            return false;
        }

        if (held)
        {
            mine.AcquireTime = current.AcquireTime;
            mine.LeaderTransitions = current.LeaderTransitions;
        }
        else
        {
            mine.LeaderTransitions = current.LeaderTransitions + 1;
        }

        if (!await lease.UpdateAsync(mine, cancellationToken))
        {
            return false;
        }

        _observed = mine;
        _observedAt = now;
        return true;
    }

    private static bool Same(LeaderElectionRecord a, LeaderElectionRecord b) =>
        a.HolderIdentity == b.HolderIdentity && a.RenewTime == b.RenewTime && a.LeaderTransitions == b.LeaderTransitions;
}
