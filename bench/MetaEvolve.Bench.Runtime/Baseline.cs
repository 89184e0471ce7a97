using System.Threading.Channels;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;
using Npgsql;

namespace MetaEvolve.Bench.Runtime;

/// <summary>
/// The raw baseline: a durable pull consumer (batched pull), <c>concurrency</c> handlers each doing one
/// pooled-connection INSERT per message, then the ack. No envelope parsing, no claim, no checks.
/// </summary>
internal sealed class Baseline(INatsJSContext js, NpgsqlDataSource dataSource, string schema, string stream, string subject, int concurrency, Func<LatencyRecorder?> recorder)
{
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var consumer = await js.CreateOrUpdateConsumerAsync(stream, new ConsumerConfig("base")
        {
            FilterSubject = $"{subject}.>",
            AckPolicy = ConsumerConfigAckPolicy.Explicit,
            AckWait = TimeSpan.FromSeconds(30),
            MaxAckPending = 10_000,
        }, cancellationToken);
        var channel = Channel.CreateBounded<INatsJSMsg<byte[]>>(concurrency);
        var sql = $"INSERT INTO {schema}.baseline_results (id, body) VALUES ($1, $2::jsonb)";
        var handlers = Enumerable.Range(0, concurrency).Select(_ => Task.Run(async () =>
        {
            await foreach (var msg in channel.Reader.ReadAllAsync(cancellationToken))
            {
                var id = Guid.Parse(msg.Headers!["Nats-Msg-Id"].ToString());
                await using (var command = dataSource.CreateCommand(sql))
                {
                    command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
                    command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = System.Text.Encoding.UTF8.GetString(msg.Data!) });
                    await command.ExecuteNonQueryAsync(cancellationToken);
                }
                await msg.AckAsync(cancellationToken: cancellationToken);
                recorder()?.Completed(id);
            }
        }, cancellationToken)).ToArray();
        await foreach (var msg in consumer.ConsumeAsync<byte[]>(opts: new NatsJSConsumeOpts { MaxMsgs = Math.Max(concurrency * 2, 128) }, cancellationToken: cancellationToken))
        {
            await channel.Writer.WriteAsync(msg, cancellationToken);
        }
        channel.Writer.Complete();
        await Task.WhenAll(handlers);
    }
}
