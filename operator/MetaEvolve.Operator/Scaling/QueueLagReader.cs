using MetaEvolve.Core;
using NATS.Client.Core;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace MetaEvolve.Operator.Scaling;

/// <summary>
/// Reads pools' queue lag from JetStream consumer info. A missing consumer is an error, never a zero: a zero would
/// scale a pool down (or to nothing) while its tasks pile up unseen.
/// </summary>
public sealed class QueueLagReader(INatsJSContext js, NatsNames names, TimeProvider time)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    public string Stream => names.TaskStream;

    public NatsNames Names => names;

    /// <summary>The lag of one pool, from its consumer <c>pool-&lt;ns&gt;-&lt;pool&gt;</c>.</summary>
    /// <exception cref="QueueLagUnavailableException">The consumer or stream is missing, or NATS did not answer.</exception>
    public async Task<QueueLag> ReadAsync(string ns, string pool, CancellationToken cancellationToken)
    {
        var name = names.PoolConsumer(ns, pool);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        try
        {
            var consumer = await js.GetConsumerAsync(names.TaskStream, name, timeout.Token);
            return From(consumer.Info, time.GetUtcNow().UtcDateTime);
        }
        catch (NatsJSApiException exception) when (exception.Error.Code == 404)
        {
            throw new QueueLagUnavailableException(
                $"pool {ns}/{pool} has no JetStream consumer {name} in stream {names.TaskStream} ({exception.Error.Description})", exception);
        }
        catch (Exception exception) when (Unreachable(exception, cancellationToken))
        {
            throw new QueueLagUnavailableException($"could not read consumer {name} of pool {ns}/{pool}: {Describe(exception)}", exception);
        }
    }

    /// <summary>
    /// Every pool consumer of the stream in one paged request (256 per page), keyed by the namespace and pool its
    /// filter subject names — far cheaper than one request per pool when there are a thousand.
    /// </summary>
    public async Task<IReadOnlyDictionary<(string Namespace, string Pool), QueueLag>> ReadAllAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout * 4);
        // Every figure is stamped with the list's start: none of them is newer than that.
        var started = time.GetUtcNow().UtcDateTime;
        var lags = new Dictionary<(string, string), QueueLag>();
        try
        {
            await foreach (var consumer in js.ListConsumersAsync(names.TaskStream, timeout.Token))
            {
                if (names.PoolOf(consumer.Info.Config.FilterSubject) is { } key && consumer.Info.Name == names.PoolConsumer(key.Namespace, key.Pool))
                {
                    lags[key] = From(consumer.Info, started);
                }
            }
        }
        catch (NatsJSApiException exception) when (exception.Error.Code == 404)
        {
            throw new QueueLagUnavailableException($"stream {names.TaskStream} does not exist ({exception.Error.Description})", exception);
        }
        catch (Exception exception) when (Unreachable(exception, cancellationToken))
        {
            throw new QueueLagUnavailableException($"could not list the consumers of stream {names.TaskStream}: {Describe(exception)}", exception);
        }

        return lags;
    }

    /// <summary>The figures a consumer info carries (the reconciler reads them from the info it gets anyway).</summary>
    public static QueueLag From(ConsumerInfo info, DateTime readAt)
    {
        ArgumentNullException.ThrowIfNull(info);
        return new QueueLag((long)info.NumPending, info.NumAckPending, info.NumRedelivered, readAt);
    }

    private static bool Unreachable(Exception exception, CancellationToken cancellationToken) =>
        exception is NatsException or NatsJSException or TimeoutException
        || exception is OperationCanceledException && !cancellationToken.IsCancellationRequested;

    private static string Describe(Exception exception) =>
        exception is OperationCanceledException ? "NATS did not answer in time" : exception.Message;
}
