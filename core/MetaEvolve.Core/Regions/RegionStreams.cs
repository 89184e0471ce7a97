using Microsoft.Extensions.Logging;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace MetaEvolve.Core.Regions;

/// <summary>
/// The two streams that bring results home across regions. This region's homeward stream keeps the results of tasks
/// peers sent here (limits retention: sourcing a work-queue stream across domains lost and duplicated messages); the
/// homecoming stream sources, from each peer's homeward stream through the peer's JetStream domain, the results of this
/// region's tasks. JetStream keeps a source's position, so results appended during a link outage arrive when it ends.
/// </summary>
public sealed class RegionStreams(INatsJSContext js, NatsNames names, IReadOnlyList<string> peers, int replicas, ILogger<RegionStreams> logger)
{
    /// <summary>How long results wait for their origin to source them: a link may be down this long without loss.</summary>
    public static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    /// <summary>The durable consumer through which this region's gateways record the results that came home.</summary>
    public const string HomecomingConsumer = "homecoming";

    private string Region => names.Region ?? throw new InvalidOperationException("regions are not in use: no region is set");

    /// <summary>The homeward stream of this region. Pure.</summary>
    public StreamConfig HomewardConfig() => new(names.HomewardStream(Region), [names.HomewardSubjects(Region)])
    {
        Retention = StreamConfigRetention.Limits,
        Storage = StreamConfigStorage.File,
        MaxAge = Retention,
        DuplicateWindow = TimeSpan.FromMinutes(2),
        NumReplicas = replicas,
    };

    /// <summary>The homecoming stream: no subjects of its own, one source per peer. Pure.</summary>
    public StreamConfig HomecomingConfig() => new(names.HomecomingStream, [])
    {
        Retention = StreamConfigRetention.Limits,
        Storage = StreamConfigStorage.File,
        MaxAge = Retention,
        NumReplicas = replicas,
        Sources = [.. peers.Select(peer => new StreamSource
        {
            Name = names.HomewardStream(peer),
            FilterSubject = names.HomewardFilter(peer, Region),
            External = new ExternalStreamSource { Api = $"$JS.{peer}.API" },
        })],
    };

    /// <summary>The gateways' shared durable on the homecoming stream. Pure.</summary>
    public static ConsumerConfig HomecomingConsumerConfig() => new(HomecomingConsumer)
    {
        AckPolicy = ConsumerConfigAckPolicy.Explicit,
        AckWait = TimeSpan.FromSeconds(30),
        DeliverPolicy = ConsumerConfigDeliverPolicy.All,
        MaxAckPending = 1024,
    };

    /// <summary>Creates both streams and the homecoming consumer, or brings them to this configuration (peers added or removed). Idempotent.</summary>
    public async Task EnsureAsync(CancellationToken cancellationToken = default)
    {
        await js.CreateOrUpdateStreamAsync(HomewardConfig(), cancellationToken);
        await js.CreateOrUpdateStreamAsync(HomecomingConfig(), cancellationToken);
        await js.CreateOrUpdateConsumerAsync(names.HomecomingStream, HomecomingConsumerConfig(), cancellationToken);
        logger.LogInformation("Region {Region}: results of tasks sent here go to {Homeward}; {Homecoming} sources this region's results from {Peers}",
            Region, names.HomewardStream(Region), names.HomecomingStream, peers.Count == 0 ? "no peer" : string.Join(", ", peers));
    }
}
