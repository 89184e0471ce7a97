using System.Collections.Concurrent;
using System.Net;
using k8s;
using k8s.Autorest;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Runtime;
using MetaEvolve.Operator.Tenancy;

namespace MetaEvolve.Operator.Pools;

/// <summary>
/// Keeps the one connection Secret of each namespace with pools (<see cref="PoolConnectionSecretBuilder"/>): made or
/// updated by whichever pool's reconcile gets there first, deleted once the namespace has no pool left, and the
/// per-pool Secrets of earlier versions deleted as their pools are reconciled.
/// </summary>
public sealed class NamespaceConnectionSecrets(IKubernetes client, ClusterState state, NamespaceCredentials credentials, ILogger<NamespaceConnectionSecrets> logger)
{
    // Pools of one namespace reconcile in parallel; one at a time per namespace applies the Secret, so the others find
    // it cached instead of each sending a create that conflicts.
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _locks = new(StringComparer.Ordinal);

    /// <summary>Makes or updates the namespace's Secret; returns the hash of its settings (the Deployments carry it, so a change rolls them).</summary>
    public async Task<string> ApplyAsync(string ns, CancellationToken cancellationToken)
    {
        var desired = PoolConnectionSecretBuilder.Build(ns, await credentials.EnvironmentAsync(ns, cancellationToken));
        var hash = PoolConnectionSecretBuilder.HashOf(desired);
        var key = new ObjectKey(ns, PoolNames.ConnectionSecret);
        if (state.Secrets.Get(key) is { } cached && PoolConnectionSecretBuilder.HashOf(cached) == hash)
        {
            return hash;
        }

        var gate = _locks.GetOrAdd(ns, _ => new SemaphoreSlim(1, 1));
        await gate.WaitAsync(cancellationToken);
        try
        {
            var existing = state.Secrets.Get(key);
            if (existing is null)
            {
                try
                {
                    logger.LogInformation("Creating Secret {Namespace}/{Name}", ns, PoolNames.ConnectionSecret);
                    state.Secrets.Remember(SecretWatchSource.KeysOnly(await client.CoreV1.CreateNamespacedSecretAsync(desired, ns, cancellationToken: cancellationToken)));
                }
                catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.Conflict)
                {
                    // Made meanwhile by someone else (another term's leader); the watch event brings it and the next pass compares it.
                }
            }
            else if (PoolConnectionSecretBuilder.HashOf(existing) != hash)
            {
                desired.Metadata.ResourceVersion = existing.Metadata.ResourceVersion;
                logger.LogInformation("Updating Secret {Namespace}/{Name}: the connection settings changed", ns, PoolNames.ConnectionSecret);
                state.Secrets.Remember(SecretWatchSource.KeysOnly(await client.CoreV1.ReplaceNamespacedSecretAsync(desired, PoolNames.ConnectionSecret, ns, cancellationToken: cancellationToken)));
            }
        }
        finally
        {
            gate.Release();
        }

        return hash;
    }

    /// <summary>
    /// Deletes the namespace's Secret, then its store role and Redis user, when no pool of the namespace is left (a
    /// deleted pool's last step).
    /// </summary>
    public async Task DeleteIfUnusedAsync(string ns, CancellationToken cancellationToken)
    {
        if (state.Pools.List(ns).Count > 0)
        {
            return;
        }

        if (state.Secrets.Get(new ObjectKey(ns, PoolNames.ConnectionSecret)) is { } secret && PoolConnectionSecretBuilder.IsManaged(secret))
        {
            logger.LogInformation("Deleting Secret {Namespace}/{Name}: the namespace has no pool left", ns, PoolNames.ConnectionSecret);
            await DeleteAsync(ns, PoolNames.ConnectionSecret, cancellationToken);
        }
        await credentials.ForgetAsync(ns, cancellationToken);
    }

    /// <summary>
    /// Deletes the Secret <c>&lt;pool&gt;-connection</c> an earlier version made for this pool (owned by it), once the
    /// pool's Deployment reads the namespace's Secret. Found in the cache, so a pool without one costs no request.
    /// </summary>
    public async Task DeleteLegacyAsync(V1Alpha1AgentPool pool, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pool);
        var ns = pool.Metadata.NamespaceProperty;
        var name = PoolNames.LegacyConnectionSecret(pool);
        if (state.Secrets.Get(new ObjectKey(ns, name)) is { } legacy
            && legacy.Metadata.OwnerReferences?.Any(o => o.Controller == true && o.Uid == pool.Metadata.Uid) == true)
        {
            logger.LogInformation("Deleting Secret {Namespace}/{Name}: pools now share {Shared}", ns, name, PoolNames.ConnectionSecret);
            await DeleteAsync(ns, name, cancellationToken);
        }
    }

    private async Task DeleteAsync(string ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            await client.CoreV1.DeleteNamespacedSecretAsync(name, ns, cancellationToken: cancellationToken);
        }
        catch (HttpOperationException exception) when (exception.Response.StatusCode == HttpStatusCode.NotFound)
        {
            // Already gone.
        }

        state.Secrets.Remove(new ObjectKey(ns, name));
    }
}
