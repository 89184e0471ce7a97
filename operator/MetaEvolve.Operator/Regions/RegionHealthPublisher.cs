using System.Text.Json;
using MetaEvolve.Core;
using MetaEvolve.Core.Regions;
using MetaEvolve.Operator.Pools;
using MetaEvolve.Operator.Runtime;
using MetaEvolve.Operator.Scaling;
using NATS.Client.Core;

namespace MetaEvolve.Operator.Regions;

/// <summary>
/// Announces this region's pool health (<see cref="RegionHealth"/>) on <see cref="NatsNames.RegionHealth"/> every
/// <see cref="OperatorOptions.RegionHealthInterval"/>, for the gateways and forwarders of every region. Runs for one
/// leadership term (the leader's caches and queue samples are what it reads; a standby has neither) and only when the
/// operator has a region. Core NATS: an announcement lost in a link outage is replaced by the next one, and a reader
/// calls a region silent after three missed intervals.
/// </summary>
public sealed class RegionHealthPublisher(
    INatsConnection nats,
    NatsNames names,
    ClusterState state,
    QueueSamples samples,
    OperatorOptions options,
    PoolRuntimeOptions settings,
    TimeProvider time,
    ILogger<RegionHealthPublisher> logger)
{
    private readonly PoolUnavailabilityClock _clock = new();

    /// <summary>The last announcement made (tests and the forwarder read it); null before the first.</summary>
    public RegionHealth? Last { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        if (names.Region is null)
        {
            return;
        }

        using var timer = new PeriodicTimer(options.RegionHealthInterval, time);
        try
        {
            do
            {
                try
                {
                    await PublishAsync(cancellationToken);
                }
                catch (Exception exception) when (exception is not OperationCanceledException)
                {
                    logger.LogWarning(exception, "Announcing the health of region {Region} failed; trying again at the next interval", names.Region);
                }
            }
            while (await timer.WaitForNextTickAsync(cancellationToken));
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The term ended.
        }
    }

    /// <summary>Reads the pools from the caches and announces them once; nothing before the caches hold a full list.</summary>
    public async Task PublishAsync(CancellationToken cancellationToken)
    {
        if (names.Region is not { } region || !state.Synced)
        {
            return;
        }

        var regions = settings.Regions ?? RegionSettings.None;
        var readings = state.Pools.List()
            .Where(pool => !Finalizers.IsDeleting(pool))
            .Select(pool => PoolReading.From(pool,
                state.Deployments.Get(new ObjectKey(pool.Metadata.NamespaceProperty ?? "", PoolNames.Deployment(pool))),
                samples.Get(ObjectKey.Of(pool)), regions))
            .ToList();
        var health = RegionHealthAnnouncement.Build(region, readings, _clock, time.GetUtcNow(), options.RegionHealthInterval);
        var json = JsonSerializer.SerializeToUtf8Bytes(health, RegionJsonContext.Default.RegionHealth);
        await nats.PublishAsync(names.RegionHealth(region), json, cancellationToken: cancellationToken);
        Last = health;
    }
}
