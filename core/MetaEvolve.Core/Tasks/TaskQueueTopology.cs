using Microsoft.Extensions.Logging;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace MetaEvolve.Core.Tasks;

/// <summary>
/// The one definition of the task queue on JetStream: the task stream (name and subjects from
/// <see cref="NatsNames"/>, WorkQueue retention, file storage, the limits of <see cref="TaskStreamOptions"/>, a
/// duplicate window for idempotent publish) and one durable pull consumer per pool. The operator applies them in
/// a cluster; a worker or gateway on a fresh local setup creates them through the same code.
/// </summary>
public sealed class TaskQueueTopology(INatsJSContext js, NatsNames names, TaskStreamOptions options, ILogger<TaskQueueTopology> logger)
{
    // JetStream's "consumer not found".
    private const int ConsumerNotFound = 10014;

    private volatile bool _streamReady;

    public string Stream => names.TaskStream;

    public NatsNames Names => names;

    /// <summary>The task stream's configuration. Pure.</summary>
    public static StreamConfig StreamConfig(NatsNames names, TaskStreamOptions options)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(options);
        return new StreamConfig(names.TaskStream, [names.AllTasks])
        {
            Retention = StreamConfigRetention.Workqueue,
            Storage = StreamConfigStorage.File,
            Discard = StreamConfigDiscard.New,
            MaxMsgs = options.MaxMessages,
            MaxBytes = options.MaxBytes,
            MaxAge = options.MaxAge,
            DuplicateWindow = options.DuplicateWindow,
            NumReplicas = options.Replicas,
        };
    }

    /// <summary>A pool's durable pull consumer, as the design's topology says. Pure.</summary>
    public static ConsumerConfig PoolConsumer(NatsNames names, PoolConsumerSettings pool)
    {
        ArgumentNullException.ThrowIfNull(names);
        ArgumentNullException.ThrowIfNull(pool);
        var name = names.PoolConsumer(pool.Namespace, pool.Pool);
        return new ConsumerConfig(name)
        {
            DurableName = name,
            FilterSubject = names.PoolFilter(pool.Namespace, pool.Pool),
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            AckWait = pool.AckWait,
            // One more delivery than the pool's maxDeliver: the worker records a task whose last attempt died with
            // its process as dead-lettered instead of leaving it unrecorded.
            MaxDeliver = pool.MaxDeliver + 1,
            // Every replica the autoscaler may run can hold `concurrency` tasks at once; fewer would starve them.
            MaxAckPending = Math.Max(1, pool.MaxReplicas * pool.Concurrency),
            DeliverPolicy = ConsumerConfigDeliverPolicy.All,
        };
    }

    /// <summary>True when the server's consumer already has the settings this definition manages.</summary>
    public static bool Matches(ConsumerConfig actual, ConsumerConfig desired)
    {
        ArgumentNullException.ThrowIfNull(actual);
        ArgumentNullException.ThrowIfNull(desired);
        return actual.FilterSubject == desired.FilterSubject
            && actual.AckPolicy == desired.AckPolicy
            && actual.AckWait == desired.AckWait
            && actual.MaxDeliver == desired.MaxDeliver
            && actual.MaxAckPending == desired.MaxAckPending;
    }

    /// <summary>Creates the stream or brings its limits to the configured values, once per process. Idempotent.</summary>
    /// <exception cref="TaskStreamConflictException">Another stream already captures some of the task subjects.</exception>
    public async Task EnsureStreamAsync(CancellationToken cancellationToken = default)
    {
        if (_streamReady)
        {
            return;
        }
        await ThrowIfConflictAsync(cancellationToken);
        await js.CreateOrUpdateStreamAsync(StreamConfig(names, options), cancellationToken);
        _streamReady = true;
    }

    /// <summary>Creates or updates a pool's consumer (and the stream when needed); returns its info as the server has it.</summary>
    public async Task<ConsumerInfo> EnsureConsumerAsync(PoolConsumerSettings pool, CancellationToken cancellationToken = default)
    {
        var desired = PoolConsumer(names, pool);
        try
        {
            await EnsureStreamAsync(cancellationToken);
            try
            {
                var existing = await js.GetConsumerAsync(names.TaskStream, desired.Name!, cancellationToken);
                if (existing.Info.Config.FilterSubject != desired.FilterSubject)
                {
                    throw PoolConsumerNameConflictException.For(names.TaskStream, desired.Name!, existing.Info.Config.FilterSubject ?? "every subject", pool);
                }

                if (Matches(existing.Info.Config, desired))
                {
                    return existing.Info;
                }
            }
            catch (NatsJSApiException exception) when (exception.Error.Code == 404 && exception.Error.ErrCode == ConsumerNotFound)
            {
                // No such consumer: create it below.
            }

            logger.LogInformation("Applying consumer {Stream}/{Consumer} (filter {Filter}, max ack pending {MaxAckPending})",
                names.TaskStream, desired.Name, desired.FilterSubject, desired.MaxAckPending);
            return (await js.CreateOrUpdateConsumerAsync(names.TaskStream, desired, cancellationToken)).Info;
        }
        catch (NatsJSApiException exception) when (exception.Error.Code == 404)
        {
            // The stream vanished (a NATS restart without storage, someone deleted it): make it again next time.
            _streamReady = false;
            throw;
        }
    }

    /// <summary>
    /// Whether the pool's consumer exists, i.e. whether anything will ever run the pool's tasks; null when that cannot
    /// be told now (NATS unreachable, the stream itself missing, as after a NATS restart without storage).
    /// </summary>
    public async Task<bool?> HasConsumerAsync(string ns, string pool, CancellationToken cancellationToken = default)
    {
        try
        {
            await js.GetConsumerAsync(names.TaskStream, names.PoolConsumer(ns, pool), cancellationToken);
            return true;
        }
        catch (NatsJSApiException exception) when (exception.Error.ErrCode == ConsumerNotFound)
        {
            return false;
        }
        catch (Exception exception) when (exception is NatsException or NatsJSException or TimeoutException)
        {
            return null;
        }
    }

    /// <summary>
    /// Removes the pool's messages from the stream (WorkQueue retention keeps them after its consumer is gone), so a
    /// pool created later under the same name does not run tasks that were already recorded as failed.
    /// </summary>
    public async Task PurgePoolAsync(string ns, string pool, CancellationToken cancellationToken = default)
    {
        try
        {
            await js.PurgeStreamAsync(names.TaskStream, new StreamPurgeRequest { Filter = names.PoolFilter(ns, pool) }, cancellationToken);
        }
        catch (NatsJSApiException exception) when (exception.Error.Code == 404)
        {
        }
    }

    /// <summary>Deletes a pool's consumer; a missing one (or stream) is already gone.</summary>
    public async Task DeleteConsumerAsync(string ns, string pool, CancellationToken cancellationToken = default)
    {
        var name = names.PoolConsumer(ns, pool);
        try
        {
            // A consumer of that name that serves another pool is that pool's (see PoolConsumerNameConflictException).
            var existing = await js.GetConsumerAsync(names.TaskStream, name, cancellationToken);
            if (existing.Info.Config.FilterSubject != names.PoolFilter(ns, pool))
            {
                logger.LogWarning("Leaving consumer {Stream}/{Consumer}: it serves {Filter}, not pool {Namespace}/{Pool}",
                    names.TaskStream, name, existing.Info.Config.FilterSubject, ns, pool);
                return;
            }

            await js.DeleteConsumerAsync(names.TaskStream, name, cancellationToken);
            logger.LogInformation("Deleted consumer {Stream}/{Consumer}", names.TaskStream, name);
        }
        catch (NatsJSApiException exception) when (exception.Error.Code == 404)
        {
        }
    }

    /// <summary>
    /// JetStream refuses a stream whose subjects overlap another's with a bare "subjects overlap"; name the stream in
    /// the way and what to do (the usual cause: a stream that a run on another root, or an older version, left behind).
    /// </summary>
    private async Task ThrowIfConflictAsync(CancellationToken cancellationToken)
    {
        await foreach (var stream in js.ListStreamsAsync(cancellationToken: cancellationToken))
        {
            var config = stream.Info.Config;
            if (config.Name == names.TaskStream)
            {
                continue;
            }
            if (config.Subjects?.FirstOrDefault(s => NatsNames.Overlap(s, names.AllTasks)) is { } subject)
            {
                throw new TaskStreamConflictException(
                    $"NATS stream {config.Name} (subjects {subject}) overlaps the task subjects {names.AllTasks} of stream {names.TaskStream}: " +
                    $"a `make run` on this server may have left it; stop it and run `make services-clean` (or delete that stream), " +
                    $"or set {ConnectionOptions.NatsRootVariable} to another root.");
            }
        }
    }
}
