using k8s;
using k8s.Models;
using MetaEvolve.Core.Config;
using MetaEvolve.Crds;
using MetaEvolve.Testing;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>
/// No controller reconciles before every cache it reads has its first list: a pool whose agents existed before the
/// operator started is never rolled out without their keys, however slow the Agent list is; a list that does not come
/// back within the cache sync timeout ends the term and a fresh one lists again.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public class CacheSyncTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string PoolWithAgents = """
        apiVersion: v1
        kind: Secret
        metadata:
          name: credentials
          labels: {metaevolve.io/agent-secret: "true"}
        stringData:
          alpha: sk-alpha
          beta: sk-beta
        ---
        apiVersion: metaevolve.io/v1alpha1
        kind: AgentPool
        metadata:
          name: early
        spec:
          autoscaling: {mode: None}
          replicas: 1
        ---
        apiVersion: metaevolve.io/v1alpha1
        kind: Agent
        metadata:
          name: alpha
        spec:
          poolRef: {name: early}
          model: {provider: OpenAI, model: gpt-4o-mini, apiKeySecretRef: {name: credentials, key: alpha}}
        ---
        apiVersion: metaevolve.io/v1alpha1
        kind: Agent
        metadata:
          name: beta
        spec:
          poolRef: {name: early}
          model: {provider: OpenAI, model: gpt-4o-mini, apiKeySecretRef: {name: credentials, key: beta}}
        """;

    private static async Task<V1Deployment?> DeploymentAsync(OperatorCluster cluster)
    {
        var list = await cluster.Client("test").AppsV1.ListNamespacedDeploymentAsync(cluster.Namespace, cancellationToken: Ct);
        return list.Items.SingleOrDefault(d => d.Metadata.Name == "early-workers");
    }

    /// <summary>The Deployment was made once, already with both agents' keys: generation 1 is the first template rolled out.</summary>
    private static async Task AssertFirstRolloutCarriesBothKeysAsync(OperatorCluster cluster)
    {
        await OperatorCluster.EventuallyAsync(async () => await DeploymentAsync(cluster) is not null, "the pool's Deployment is made");
        var deployment = (await DeploymentAsync(cluster))!;
        Assert.Equal(1, deployment.Metadata.Generation);
        var env = deployment.Spec.Template.Spec.Containers[0].Env.Select(e => e.Name).ToList();
        Assert.Contains(AgentSecrets.ApiKeyVariable("alpha"), env);
        Assert.Contains(AgentSecrets.ApiKeyVariable("beta"), env);
    }

    [Fact]
    public async Task A_slow_agent_list_delays_the_first_pool_reconcile_which_then_carries_the_agents_keys()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        await cluster.ApplyAsync(PoolWithAgents);
        var gate = new ListGate(V1Alpha1Agent.KubePlural);
        var instance = await cluster.StartOperatorAsync(kubernetes: cluster.Client(OperatorCluster.OperatorUser, null, gate));
        await OperatorCluster.EventuallyAsync(() => Task.FromResult(instance.Leader.IsLeader && gate.Held > 0), "the operator leads and lists agents");

        // Every other cache has its list by now; the pool controller must still not have run.
        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        Assert.Equal(0, instance.Leader.Manager!.ControllerFor<V1Alpha1AgentPool>().Reconciles);
        Assert.Null(await DeploymentAsync(cluster));
        Assert.False(instance.Leader.Manager.State.Synced);

        gate.Open();
        await AssertFirstRolloutCarriesBothKeysAsync(cluster);
        Assert.Equal(1, instance.Leader.TimesLed);
    }

    [Fact]
    public async Task A_stuck_list_ends_the_term_at_the_cache_sync_timeout_and_the_next_term_lists_again()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        await cluster.ApplyAsync(PoolWithAgents);
        var gate = new ListGate(V1Alpha1Agent.KubePlural);
        var instance = await cluster.StartOperatorAsync(configure: o => o with { CacheSyncTimeout = TimeSpan.FromSeconds(2) },
            kubernetes: cluster.Client(OperatorCluster.OperatorUser, null, gate));

        // The first term gives up on the stuck list without reconciling anything; a fresh term asks again.
        await OperatorCluster.EventuallyAsync(() => Task.FromResult(instance.Leader.TimesLed >= 2 && gate.Held >= 2), "a second term lists agents again");
        Assert.Null(await DeploymentAsync(cluster));

        gate.Open();
        await AssertFirstRolloutCarriesBothKeysAsync(cluster);
    }
}
