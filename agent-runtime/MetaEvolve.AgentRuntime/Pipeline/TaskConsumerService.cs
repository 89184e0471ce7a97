using MetaEvolve.AgentRuntime.Operability;
using MetaEvolve.Core.Tasks;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace MetaEvolve.AgentRuntime.Pipeline;

/// <summary>
/// Binds the pool's durable pull consumer and feeds its messages into the pipeline (claim → run → record → ack),
/// pulling only as many messages as it has free slots (at most <c>concurrency</c> held). Survives NATS restarts and a deleted consumer (rebinds, recreating it
/// when allowed). On stop: stops pulling, lets running tasks finish within the grace period, then cancels and
/// naks the rest.
/// </summary>
internal sealed class TaskConsumerService(
    WorkerOptions options,
    INatsJSContext js,
    TaskQueueTopology topology,
    InFlightRegistry registry,
    ClaimStage claims,
    CompletionStage completions,
    PipelineLifetime lifetime,
    ReadinessState readiness,
    StoreStartup store,
    RuntimeMetrics metrics,
    ILogger<TaskConsumerService> logger) : BackgroundService
{
    // How long one pull waits for messages: short, so slots freed meanwhile join the next pull soon on a quiet queue.
    private static readonly TimeSpan FetchExpiry = TimeSpan.FromSeconds(2);

    private Task _stages = Task.CompletedTask;

    private string ConsumerName => topology.Names.PoolConsumer(options.Namespace, options.Pool);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        // The stages outlive the pull loop: they drain in-flight work after stop begins.
        _stages = Task.WhenAll(
            Task.Run(() => claims.RunAsync(lifetime.Stopped), CancellationToken.None),
            Task.Run(() => completions.RunAsync(lifetime.Stopped), CancellationToken.None));
        return base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var pull = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, lifetime.Draining);
        var delay = TimeSpan.FromMilliseconds(200);
        while (!pull.IsCancellationRequested)
        {
            try
            {
                // Independent round trips: PostgreSQL (schema check, partitions) and NATS (connect, consumer) at once.
                var storeReady = store.EnsureAsync(pull.Token);
                INatsJSConsumer consumer;
                try
                {
                    consumer = await BindAsync(pull.Token);
                }
                finally
                {
                    // Observed either way, so a store failure is not left unobserved when the bind failed too.
                    await storeReady;
                }
                readiness.ConsumerBound(true);
                logger.LogInformation("Consuming {Stream}/{Consumer} for {Namespace}/{Pool} with concurrency {Concurrency}",
                    topology.Stream, ConsumerName, options.Namespace, options.Pool, options.Concurrency);
                delay = TimeSpan.FromMilliseconds(200);
                while (!pull.IsCancellationRequested)
                {
                    await PullAsync(consumer, pull.Token);
                }
            }
            catch (OperationCanceledException) when (pull.IsCancellationRequested)
            {
                break;
            }
            catch (Exception ex)
            {
                readiness.ConsumerBound(false);
                logger.LogWarning(ex, "Consumer {Stream}/{Consumer} failed; rebinding in {Delay}", topology.Stream, ConsumerName, delay);
                try
                {
                    await Task.Delay(delay, pull.Token);
                }
                catch (OperationCanceledException)
                {
                    break;
                }
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
            }
        }
        readiness.ConsumerBound(false);
    }

    /// <summary>
    /// One pull: reserve the free slots, fetch at most that many messages, hand each to the claim stage. Nothing is
    /// pulled that cannot start at once, so no message ages in a local buffer past its ack wait (to be redelivered
    /// elsewhere while still queued here), and a new replica gets its share of the queue at once.
    /// </summary>
    private async Task PullAsync(INatsJSConsumer consumer, CancellationToken cancellationToken)
    {
        var reserved = await registry.ReserveSlotsAsync(options.Concurrency, cancellationToken);
        var used = 0;
        try
        {
            var fetch = new NatsJSFetchOpts { MaxMsgs = reserved, Expires = FetchExpiry };
            await foreach (var message in consumer.FetchAsync<byte[]>(fetch, cancellationToken: cancellationToken))
            {
                var task = new InFlightTask(message);
                metrics.Fetched(message.Metadata?.Timestamp, task.Delivery);
                if (!registry.TryAdd(task))
                {
                    continue;
                }
                used++;
                claims.Enqueue(task);
            }
        }
        finally
        {
            registry.ReturnSlots(reserved - used);
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        logger.LogInformation("Stopping: no new tasks; {Count} in flight get {Grace} to finish", registry.Count, options.ShutdownGrace);
        lifetime.BeginDrain();
        await base.StopAsync(cancellationToken);
        if (!await WaitForEmptyAsync(options.ShutdownGrace))
        {
            logger.LogWarning("Grace period over with {Count} tasks in flight; cancelling them back to the queue", registry.Count);
            lifetime.Abort();
            await WaitForEmptyAsync(TimeSpan.FromSeconds(10));
        }
        lifetime.Stop();
        try
        {
            await _stages;
        }
        catch (OperationCanceledException)
        {
        }
        logger.LogInformation("Stopped with {Count} messages unsettled (JetStream redelivers them)", registry.Count);
    }

    private async Task<bool> WaitForEmptyAsync(TimeSpan timeout)
    {
        var until = DateTime.UtcNow + timeout;
        while (registry.Count > 0 && DateTime.UtcNow < until)
        {
            await Task.Delay(50);
        }
        return registry.Count == 0;
    }

    /// <summary>The pool's consumer; one of that name that serves another pool's subjects is refused, never pulled.</summary>
    private async Task<INatsJSConsumer> BindAsync(CancellationToken cancellationToken)
    {
        var consumer = await GetOrCreateConsumerAsync(cancellationToken);
        var filter = topology.Names.PoolFilter(options.Namespace, options.Pool);
        if (consumer.Info.Config.FilterSubject != filter)
        {
            throw PoolConsumerNameConflictException.For(topology.Stream, ConsumerName, consumer.Info.Config.FilterSubject ?? "every subject", options.ConsumerSettings);
        }

        return consumer;
    }

    private async Task<INatsJSConsumer> GetOrCreateConsumerAsync(CancellationToken cancellationToken)
    {
        if (!options.CreateConsumer)
        {
            // The operator owns the consumer's settings; use it as it is.
            return await js.GetConsumerAsync(topology.Stream, ConsumerName, cancellationToken);
        }
        try
        {
            return await js.GetConsumerAsync(topology.Stream, ConsumerName, cancellationToken);
        }
        catch (NatsJSApiException ex) when (ex.Error.Code == 404)
        {
            return await CreateConsumerAsync(cancellationToken);
        }
    }

    private async Task<INatsJSConsumer> CreateConsumerAsync(CancellationToken cancellationToken)
    {
        // A fresh local setup may lack the stream too; the shared topology creates both as the operator would.
        await topology.EnsureConsumerAsync(options.ConsumerSettings, cancellationToken);
        return await js.GetConsumerAsync(topology.Stream, ConsumerName, cancellationToken);
    }

    private async Task NakQuietlyAsync(INatsJSMsg<byte[]> message)
    {
        try
        {
            await message.NakAsync();
        }
        catch (Exception ex) when (ex is NatsException or ObjectDisposedException)
        {
            logger.LogDebug(ex, "Nak on shutdown failed; the message is redelivered after its ack wait");
        }
    }
}
