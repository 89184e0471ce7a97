using k8s;
using MetaEvolve.Testing;
namespace MetaEvolve.Operator.Tests.Cluster;

[Trait(Services.Trait, Services.Needed)]
public class RestartTests
{
    [Fact]
    public async Task A_restart_of_the_api_server_mid_run_loses_no_reconcile()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        await cluster.StartOperatorAsync();
        await cluster.ApplyAsync("""
            apiVersion: metaevolve.io/v1alpha1
            kind: AgentPool
            metadata:
              name: general
            spec:
              autoscaling:
                mode: None
              replicas: 1
            """);
        await cluster.Kubectl.OkAsync("wait", "--for=condition=Ready", "--timeout=30s", "agentpool/general");

        await cluster.RestartApiServerAsync(TimeSpan.FromSeconds(2));
        await cluster.Kubectl.OkAsync("scale", "agentpool/general", "--replicas=4");

        await OperatorCluster.EventuallyAsync(async () =>
            (await cluster.Client("test").AppsV1.ReadNamespacedDeploymentAsync("general-workers", cluster.Namespace, cancellationToken: TestContext.Current.CancellationToken)).Spec.Replicas == 4,
            "the change made right after the restart reaches the Deployment", seconds: 45);
        await cluster.Kubectl.OkAsync("wait", "--for=condition=Ready", "--timeout=45s", "agentpool/general");
        Assert.Equal(4, (await cluster.PoolAsync("general")).Status.ReadyReplicas);
    }
}
