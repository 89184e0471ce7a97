using MetaEvolve.Core.Tasks;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace MetaEvolve.Operator.Pools;

/// <summary>The JetStream side of pools: the task stream and one durable consumer per pool.</summary>
public sealed class TaskQueueTopology(INatsJSContext js, TaskStreamOptions stream, ILogger<TaskQueueTopology> logger)
{
    private volatile bool _streamReady;

    public string Stream => stream.StreamName;

    public async Task EnsureStreamAsync(CancellationToken cancellationToken)
    {
        if (_streamReady)
        {
            return;
        }

        // The shared publisher knows the stream's settings; the operator only makes sure it exists.
        await new TaskPublisher(js, stream).EnsureStreamAsync(cancellationToken);
        _streamReady = true;
    }

    /// <summary>Creates or updates the consumer; returns its info (with the queue's figures) as the server has it.</summary>
    public async Task<ConsumerInfo> EnsureConsumerAsync(ConsumerConfig desired, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(desired);
        try
        {
            await EnsureStreamAsync(cancellationToken);
            try
            {
                var existing = await js.GetConsumerAsync(stream.StreamName, desired.Name!, cancellationToken);
                if (PoolConsumerBuilder.Matches(existing.Info.Config, desired))
                {
                    return existing.Info;
                }
            }
            catch (NatsJSApiException exception) when (exception.Error.Code == 404 && exception.Error.ErrCode == 10014)
            {
                // No such consumer: create it below.
            }

            logger.LogInformation("Applying consumer {Stream}/{Consumer} (filter {Filter}, max ack pending {MaxAckPending})",
                stream.StreamName, desired.Name, desired.FilterSubject, desired.MaxAckPending);
            return (await js.CreateOrUpdateConsumerAsync(stream.StreamName, desired, cancellationToken)).Info;
        }
        catch (NatsJSApiException exception) when (exception.Error.Code == 404)
        {
            // The stream vanished (a NATS restart without storage, someone deleted it): make it again next time.
            _streamReady = false;
            throw;
        }
    }

    /// <summary>Deletes the consumer; a missing one (or stream) is already gone.</summary>
    public async Task DeleteConsumerAsync(string name, CancellationToken cancellationToken)
    {
        try
        {
            await js.DeleteConsumerAsync(stream.StreamName, name, cancellationToken);
            logger.LogInformation("Deleted consumer {Stream}/{Consumer}", stream.StreamName, name);
        }
        catch (NatsJSApiException exception) when (exception.Error.Code == 404)
        {
        }
    }
}
