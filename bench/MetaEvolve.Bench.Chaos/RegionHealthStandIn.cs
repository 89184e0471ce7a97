using System.Text.Json;
using MetaEvolve.Core;
using MetaEvolve.Core.Regions;
using MetaEvolve.Operator.Regions;
using MetaEvolve.Operator.Runtime;
using NATS.Client.JetStream;

namespace MetaEvolve.Bench.Chaos;

/// <summary>
/// Stands in for a region's operator where the chaos run has no Kubernetes: every second it announces the region's one
/// pool on <c>&lt;root&gt;.regions.&lt;region&gt;.health</c> as the operator's health publisher does — ready workers (the
/// bed's worker processes that are alive and answered their readiness probe), lag (the pool consumer's pending plus
/// ack-pending), and how long the pool has had work and no ready worker — on that region's own NATS server, so a peer
/// hears it only while the leafnode link is up. What the operator adds (reading the Deployment's ready replicas) is
/// exercised by its own tests.
/// </summary>
internal sealed class RegionHealthStandIn(TaskBed bed, Func<int> readyWorkers, PoolFederation federation) : IAsyncDisposable
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(1);

    private readonly CancellationTokenSource _stop = new();
    private Task? _running;

    public void Start() => _running = Task.Run(() => RunAsync(_stop.Token));

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        var names = bed.Connections.Names;
        var region = names.Region ?? throw new InvalidOperationException("the bed has no region");
        await using var nats = NatsConnectionFactory.Create(bed.Connections, $"chaos-health-{region}");
        var js = new NatsJSContext(nats);
        var clock = new PoolUnavailabilityClock();
        using var timer = new PeriodicTimer(Interval);
        do
        {
            long lag;
            try
            {
                var consumer = await js.GetConsumerAsync(names.TaskStream, names.PoolConsumer(bed.Namespace, TaskBed.Pool), cancellationToken);
                lag = (long)consumer.Info.NumPending + consumer.Info.NumAckPending;
            }
            catch (NatsJSApiException)
            {
                lag = 0; // no consumer yet: no worker has bound
            }
            // The operator's own announcement and clock; only the reading (no Deployment here) is the run's.
            var reading = new PoolReading(new ObjectKey(bed.Namespace, TaskBed.Pool), readyWorkers(), WantedReplicas: 0, lag, federation);
            var health = RegionHealthAnnouncement.Build(region, [reading], clock, DateTimeOffset.UtcNow, Interval);
            await nats.PublishAsync(names.RegionHealth(region), JsonSerializer.SerializeToUtf8Bytes(health, RegionJsonContext.Default.RegionHealth), cancellationToken: cancellationToken);
        }
        while (await timer.WaitForNextTickAsync(cancellationToken));
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await (_running ?? Task.CompletedTask);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }
}
