using MetaEvolve.Testing;

namespace MetaEvolve.Operator.Tests.Cluster;

[Trait(Services.Trait, Services.Needed)]
public class NatsRestartTests
{
    [Fact]
    public async Task A_pool_created_while_nats_is_down_gets_its_consumer_once_nats_is_back()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        await using var nats = await PrivateNatsServer.StartAsync(cluster.Directory);
        cluster.Connections = cluster.Connections with { NatsUrl = nats.Url };
        await cluster.StartOperatorAsync();
        await cluster.ApplyAsync("""
            apiVersion: metaevolve.io/v1alpha1
            kind: AgentPool
            metadata:
              name: before
            spec:
              autoscaling:
                mode: None
            """);
        await cluster.Kubectl.OkAsync("wait", "--for=condition=Ready", "--timeout=30s", "agentpool/before");

        await nats.StopAsync();
        await cluster.ApplyAsync("""
            apiVersion: metaevolve.io/v1alpha1
            kind: AgentPool
            metadata:
              name: during
            spec:
              autoscaling:
                mode: None
            """);
        await OperatorCluster.EventuallyAsync(async () =>
            (await cluster.PoolAsync("during")).Status?.Conditions.Condition("Ready", out var reason, out _) == "False" && reason == "QueueUnavailable",
            "the pool says its queue is unavailable");

        await nats.StartAsync();
        await cluster.Kubectl.OkAsync("wait", "--for=condition=Ready", "--timeout=60s", "agentpool/during", "agentpool/before");
        Assert.True(await cluster.NatsAsync(async js =>
        {
            await js.GetConsumerAsync(cluster.Stream, cluster.Names.PoolConsumer(cluster.Namespace, "during"), TestContext.Current.CancellationToken);
            return true;
        }));
    }
}
