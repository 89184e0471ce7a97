using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace MetaEvolve.Core.Tests.Tasks;

/// <summary>The task stream and pool consumers on a real NATS server, beside streams other runs left behind.</summary>
[Trait(Services.Trait, Services.Needed)]
public class TaskQueueTopologyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static TaskQueueTopology Topology(INatsJSContext js, NatsNames names) =>
        new(js, names, new TaskStreamOptions(), NullLogger<TaskQueueTopology>.Instance);

    [Fact]
    public async Task The_stream_a_make_run_leaves_behind_does_not_stop_a_run_on_another_root()
    {
        await Services.RequireNatsAsync();
        await using var nats = NatsConnectionFactory.Create(Services.Connections, "topology tests");
        var js = new NatsJSContext(nats);
        // What `make run` leaves in .services: the installation's stream on the default root.
        var leftover = TaskQueueTopology.StreamConfig(NatsNames.Default, new TaskStreamOptions());
        var created = false;
        try
        {
            await js.GetStreamAsync(leftover.Name!, cancellationToken: Ct);
        }
        catch (NatsJSApiException exception) when (exception.Error.Code == 404)
        {
            await js.CreateStreamAsync(leftover, Ct);
            created = true;
        }
        var names = new NatsNames(TestPrefix.NewNatsRoot("topology"));
        try
        {
            var consumer = await Topology(js, names).EnsureConsumerAsync(new PoolConsumerSettings("ns", "pool", TimeSpan.FromSeconds(30), 5, 3, 4), Ct);

            Assert.Equal(names.PoolFilter("ns", "pool"), consumer.Config.FilterSubject);
            Assert.Equal(12, consumer.Config.MaxAckPending);
            Assert.Equal(6, consumer.Config.MaxDeliver);
            Assert.Equal([names.AllTasks], (await js.GetStreamAsync(names.TaskStream, cancellationToken: Ct)).Info.Config.Subjects);
        }
        finally
        {
            await js.DeleteStreamAsync(names.TaskStream, Ct);
            if (created)
            {
                await js.DeleteStreamAsync(leftover.Name!, Ct);
            }
        }
    }

    [Fact]
    public async Task Two_pools_whose_names_join_to_one_consumer_name_never_share_it()
    {
        await Services.RequireNatsAsync();
        await using var nats = NatsConnectionFactory.Create(Services.Connections, "topology tests");
        var js = new NatsJSContext(nats);
        var names = new NatsNames(TestPrefix.NewNatsRoot("collide"));
        var topology = Topology(js, names);
        // Pool b-c in namespace a and pool c in namespace a-b: both pool-a-b-c.
        var first = new PoolConsumerSettings("a", "b-c", TimeSpan.FromSeconds(30), 5, 3, 4);
        var second = new PoolConsumerSettings("a-b", "c", TimeSpan.FromSeconds(30), 5, 3, 4);
        Assert.Equal(names.PoolConsumer(first.Namespace, first.Pool), names.PoolConsumer(second.Namespace, second.Pool));
        try
        {
            await topology.EnsureConsumerAsync(first, Ct);

            var error = await Assert.ThrowsAsync<PoolConsumerNameConflictException>(() => topology.EnsureConsumerAsync(second, Ct));
            await topology.DeleteConsumerAsync(second.Namespace, second.Pool, Ct);

            Assert.Contains($"serves {names.PoolFilter("a", "b-c")}", error.Message, StringComparison.Ordinal);
            Assert.Contains("pool a-b/c cannot use it: rename the pool", error.Message, StringComparison.Ordinal);
            var kept = await js.GetConsumerAsync(names.TaskStream, names.PoolConsumer("a", "b-c"), Ct);
            Assert.Equal(names.PoolFilter("a", "b-c"), kept.Info.Config.FilterSubject);
        }
        finally
        {
            await js.DeleteStreamAsync(names.TaskStream, Ct);
        }
    }

    [Fact]
    public async Task A_stream_that_captures_the_task_subjects_is_refused_in_one_line_that_says_what_to_do()
    {
        await Services.RequireNatsAsync();
        await using var nats = NatsConnectionFactory.Create(Services.Connections, "topology tests");
        var js = new NatsJSContext(nats);
        var names = new NatsNames(TestPrefix.NewNatsRoot("conflict"));
        var squatter = names.TaskStream.Replace("_TASKS", "_OTHER", StringComparison.Ordinal);
        await js.CreateStreamAsync(new StreamConfig(squatter, [$"{names.TaskPrefix}.team-a.>"]), Ct);
        try
        {
            var error = await Assert.ThrowsAsync<TaskStreamConflictException>(() => Topology(js, names).EnsureStreamAsync(Ct));

            Assert.DoesNotContain('\n', error.Message);
            Assert.Contains($"NATS stream {squatter} (subjects {names.TaskPrefix}.team-a.>)", error.Message, StringComparison.Ordinal);
            Assert.Contains("make run", error.Message, StringComparison.Ordinal);
            Assert.Contains("make services-clean", error.Message, StringComparison.Ordinal);
            Assert.Contains(ConnectionOptions.NatsRootVariable, error.Message, StringComparison.Ordinal);
            await Assert.ThrowsAsync<NatsJSApiException>(() => js.GetStreamAsync(names.TaskStream, cancellationToken: Ct).AsTask());
        }
        finally
        {
            await js.DeleteStreamAsync(squatter, Ct);
        }
    }
}
