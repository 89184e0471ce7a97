using System.Collections.Concurrent;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using NATS.Client.Core;

namespace MetaEvolve.Core.Regions;

/// <summary>
/// The latest <see cref="RegionHealth"/> of every region, this one included, as heard on
/// <see cref="NatsNames.AllRegionHealth"/>, and the choices made from it: where a new task of a pool runs, and which
/// peer takes a failed-over pool's queued tasks. An announcement older than its <see cref="RegionHealth.StaleAfter"/>
/// counts as none: a region that went silent (its operator, its NATS or the link is down) takes no tasks.
/// </summary>
public sealed class RegionHealthBoard(INatsConnection nats, NatsNames names, TimeProvider time, ILogger<RegionHealthBoard> logger)
{
    private readonly ConcurrentDictionary<string, RegionHealth> _latest = new(StringComparer.Ordinal);

    /// <summary>
    /// Listens until <paramref name="cancellationToken"/> ends, then returns. Survives reconnects (the client
    /// resubscribes), and subscribes again after any other failure: announcements are heard only while subscribed.
    /// </summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await ListenAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                logger.LogWarning("Listening to region health failed; listening again in 1 s: {Reason}", ex.Message);
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), time, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task ListenAsync(CancellationToken cancellationToken)
    {
        await foreach (var message in nats.SubscribeAsync<byte[]>(names.AllRegionHealth, cancellationToken: cancellationToken))
        {
            try
            {
                if (message.Data is { } data && JsonSerializer.Deserialize(data, RegionJsonContext.Default.RegionHealth) is { } health)
                {
                    Record(health);
                }
            }
            catch (JsonException ex)
            {
                logger.LogWarning("Ignoring a region health announcement on {Subject} that is not valid: {Problem}", message.Subject, ex.Message);
            }
        }
    }

    /// <summary>Keeps <paramref name="health"/> unless a newer announcement of its region is already here.</summary>
    public void Record(RegionHealth health)
    {
        ArgumentNullException.ThrowIfNull(health);
        _latest.AddOrUpdate(health.Region, health, (_, known) => known.At > health.At ? known : health);
    }

    /// <summary>The region's latest announcement, or null when it has none that is fresh.</summary>
    public RegionHealth? Current(string region)
    {
        ArgumentNullException.ThrowIfNull(region);
        return _latest.TryGetValue(region, out var health) && time.GetUtcNow() - health.At <= health.StaleAfter ? health : null;
    }

    /// <summary>This region's own pool as its operator last announced it; null when the operator is silent or does not know it.</summary>
    public PoolHealth? Local(string ns, string pool) => names.Region is { } region ? Current(region)?.Pool(ns, pool) : null;

    /// <summary>
    /// The first of the pool's peers (its policy's order) whose same-named pool takes work; null when none does.
    /// </summary>
    public string? PeerFor(PoolHealth local)
    {
        ArgumentNullException.ThrowIfNull(local);
        foreach (var peer in local.Federation?.Peers ?? [])
        {
            if (Current(peer)?.Pool(local.Namespace, local.Pool) is { TakesWork: true })
            {
                return peer;
            }
        }
        return null;
    }

    /// <summary>
    /// Where a new task of the pool runs: a peer when the local pool wants one (unavailable past its failover time, or
    /// its lag past its spill-over lag) and a peer's pool takes work; else here (null when regions are not in use).
    /// Without a fresh announcement of this region, tasks stay here: the queue keeps them until a worker or the
    /// forwarder takes them.
    /// </summary>
    public string? RegionFor(string ns, string pool) =>
        Local(ns, pool) is { WantsPeers: true } local && PeerFor(local) is { } peer ? peer : names.Region;

    /// <summary>
    /// True when this region can take tasks and have them run: one of its pools is available, or one that is not
    /// has a peer that takes its work. False when its operator is silent or announces no pool that can run a task.
    /// </summary>
    public bool CanRunTasks(out string detail)
    {
        if (names.Region is not { } region)
        {
            detail = "regions not in use";
            return true;
        }
        if (Current(region) is not { } own)
        {
            detail = $"no fresh health announcement from region {region}'s operator";
            return false;
        }
        if (own.Pools.Any(p => p.UnavailableSeconds is null || PeerFor(p) is not null))
        {
            detail = "ok";
            return true;
        }
        detail = own.Pools.Count == 0
            ? $"region {region} has no pools"
            : $"no pool of region {region} is available and no peer takes their work";
        return false;
    }
}
