using MetaEvolve.Core;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace MetaEvolve.Operator.Regions;

/// <summary>
/// Before the operator starts, asks each peer's JetStream (through the peer's domain) whether this region's name is
/// taken there: the peer reports this region's domain as its own, or the peer's task stream has durables named with this
/// region's prefix. Either means two regions share a name, and since ack subjects carry no domain one region's acks
/// would delete the other's tasks; the check throws <see cref="RegionNameCollisionException"/>. A peer that does not
/// answer is only a warning: a link down at start must not keep a region from running its own work.
/// </summary>
public sealed class RegionNameCheck(INatsConnection nats, NatsNames names, IReadOnlyList<string> peers, ILogger<RegionNameCheck> logger)
{
    /// <summary>How long one peer may take to answer before it counts as unreachable.</summary>
    public static readonly TimeSpan PeerTimeout = TimeSpan.FromSeconds(5);

    public async Task CheckAsync(CancellationToken cancellationToken)
    {
        if (names.Region is not { } region)
        {
            return;
        }

        foreach (var peer in peers)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeout.CancelAfter(PeerTimeout);
            try
            {
                await CheckPeerAsync(region, peer, timeout.Token);
            }
            catch (NatsJSApiException exception) when (exception.Error.Code == 404)
            {
                // The peer has no task stream yet, so no durable of any region.
            }
            catch (Exception exception) when (exception is not RegionNameCollisionException && !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("Region {Region}: peer {Peer} did not answer at start ({Problem}); its durable names were not checked", region, peer,
                    exception is OperationCanceledException ? $"no answer within {PeerTimeout.TotalSeconds:0} s" : exception.Message);
            }
        }
    }

    private async Task CheckPeerAsync(string region, string peer, CancellationToken cancellationToken)
    {
        var js = new NatsJSContext(nats, new NatsJSOpts(nats.Opts, domain: peer));
        var account = await js.GetAccountInfoAsync(cancellationToken);
        if (account.Domain == region)
        {
            throw new RegionNameCollisionException(
                $"region '{region}': peer '{peer}' reports JetStream domain '{account.Domain}', this region's own — two regions share the name '{region}'; set a unique {ConnectionOptions.RegionVariable}");
        }

        var prefix = region + "_";
        var clashing = new List<string>();
        await foreach (var consumer in js.ListConsumerNamesAsync(names.TaskStream, cancellationToken))
        {
            if (consumer.StartsWith(prefix, StringComparison.Ordinal))
            {
                clashing.Add(consumer);
            }
        }

        if (clashing.Count > 0)
        {
            throw new RegionNameCollisionException(
                $"region '{region}': peer '{peer}' already has durable consumers named {prefix}... ({string.Join(", ", clashing.Order(StringComparer.Ordinal).Take(3))}) — two regions share the name '{region}'; set a unique {ConnectionOptions.RegionVariable}");
        }
    }
}
