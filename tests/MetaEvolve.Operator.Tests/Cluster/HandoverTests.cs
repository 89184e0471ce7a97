using k8s;
using MetaEvolve.Crds;
using MetaEvolve.Testing;
namespace MetaEvolve.Operator.Tests.Cluster;

[Trait(Services.Trait, Services.Needed)]
public class HandoverTests
{
    private static string Pool(string name) => $$"""
        apiVersion: metaevolve.io/v1alpha1
        kind: AgentPool
        metadata:
          name: {{name}}
        spec:
          autoscaling:
            mode: None
          replicas: 2
        """;

    [Fact]
    public async Task Of_two_operators_exactly_one_reconciles_and_stopping_it_hands_over()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        var a = await cluster.StartOperatorAsync("operator-a");
        await OperatorCluster.EventuallyAsync(() => Task.FromResult(a.Leader.IsLeader), "operator-a leads");
        var b = await cluster.StartOperatorAsync("operator-b");

        await cluster.ApplyAsync(Pool("first"));
        await cluster.Kubectl.OkAsync("wait", "--for=condition=Ready", "--timeout=30s", "agentpool/first");
        Assert.True(a.Leader.IsLeader);
        Assert.False(b.Leader.IsLeader);
        Assert.Equal(0, b.Leader.TimesLed);

        await a.StopAsync();
        TestContext.Current.TestOutputHelper?.WriteLine(await cluster.Kubectl.OkAsync("get", "lease", "metaevolve-operator", "-o", "yaml"));
        await OperatorCluster.EventuallyAsync(() => Task.FromResult(b.Leader.IsLeader), "operator-b takes over", seconds: 15);
        await cluster.ApplyAsync(Pool("second"));
        await cluster.Kubectl.OkAsync("wait", "--for=condition=Ready", "--timeout=30s", "agentpool/second");
        await cluster.Kubectl.OkAsync("scale", "agentpool/first", "--replicas=3");
        await OperatorCluster.EventuallyAsync(async () =>
            (await cluster.Client("test").AppsV1.ReadNamespacedDeploymentAsync("first-workers", cluster.Namespace, cancellationToken: TestContext.Current.CancellationToken)).Spec.Replicas == 3,
            "kubectl scale agentpool reaches the Deployment through the new leader");
        Assert.True(b.Leader.Manager!.ControllerFor<V1Alpha1AgentPool>().Reconciles > 0);
    }
}
