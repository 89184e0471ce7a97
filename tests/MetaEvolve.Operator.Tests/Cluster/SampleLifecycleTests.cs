using k8s;
using MetaEvolve.Core.Config;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Operator.Rbac;
using MetaEvolve.Testing;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>`kubectl apply -f samples/` end to end against the dev control plane, real NATS and PostgreSQL.</summary>
[Trait(Services.Trait, Services.Needed)]
public class SampleLifecycleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Samples_become_ready_with_their_consumer_deployment_and_store_rows_and_deleting_them_leaves_nothing_behind()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        await cluster.StartOperatorAsync();
        var samples = Path.Combine(RepositoryRoot.Path, "samples");

        await cluster.Kubectl.OkAsync("apply", "-f", samples);
        await cluster.Kubectl.OkAsync("wait", "--for=condition=Ready", "--timeout=90s",
            "agentpool/general", "skill/text-stats", "skill/summarize", "agent/assistant", "agent/text-tools");

        var client = cluster.Client("test");
        var deployment = await client.AppsV1.ReadNamespacedDeploymentAsync("general-workers", cluster.Namespace, cancellationToken: Ct);
        var container = deployment.Spec.Template.Spec.Containers[0];
        Assert.Contains(container.Env, e => e.Name == AgentSecrets.ApiKeyVariable("assistant") && e.ValueFrom.SecretKeyRef.Name == "openai-credentials");
        Assert.Equal("8", container.Env.Single(e => e.Name == "Worker__Concurrency").Value);
        Assert.Equal("AgentPool", deployment.Metadata.OwnerReferences.Single().Kind);
        Assert.True(await cluster.ConsumerExistsAsync("general"));
        var consumer = await cluster.NatsAsync(js => js.GetConsumerAsync(cluster.Stream, cluster.Names.PoolConsumer(cluster.Namespace, "general"), Ct).AsTask());
        Assert.Equal(5 * 8, consumer.Info.Config.MaxAckPending);
        Assert.Equal(cluster.Names.PoolFilter(cluster.Namespace, "general"), consumer.Info.Config.FilterSubject);
        Assert.Equal(2, await cluster.CountAsync("agents"));
        Assert.Equal(2, await cluster.CountAsync("skills"));
        Assert.Equal(2, await cluster.CountAsync("skill_versions"));
        var assistant = await client.CustomObjects.GetNamespacedCustomObjectAsync<Crds.V1Alpha1Agent>("metaevolve.io", "v1alpha1", cluster.Namespace, "agents", "assistant", Ct);
        Assert.Equal(assistant.Status.Digest, await cluster.NoticeAsync(ConfigNotices.AgentKey(cluster.Namespace, "assistant")));
        Assert.Equal(["assistant", "text-tools"], (await client.CustomObjects.GetNamespacedCustomObjectAsync<Crds.V1Alpha1AgentPool>(
            "metaevolve.io", "v1alpha1", cluster.Namespace, "agentpools", "general", Ct)).Status.Agents);

        await cluster.Kubectl.OkAsync("delete", "-f", samples, "--wait=true", "--timeout=90s");

        await OperatorCluster.EventuallyAsync(async () =>
            (await client.AppsV1.ListNamespacedDeploymentAsync(cluster.Namespace, cancellationToken: Ct)).Items.Count == 0
            && !await cluster.ConsumerExistsAsync("general")
            && await cluster.CountAsync("agents") == 0
            && await cluster.CountAsync("skills") == 0
            && await cluster.CountAsync("skill_versions") == 0
            && await cluster.NoticeAsync(ConfigNotices.AgentKey(cluster.Namespace, "assistant")) is null
            && await cluster.NoticeAsync(ConfigNotices.SkillKey(cluster.Namespace, "text-stats")) is null,
            "no Deployment, consumer, store row or config notice left");

        // Every request the operator made is one its generated ClusterRole allows, or its Role in its own namespace.
        var clusterRules = OperatorClusterRole.Generate().Rules;
        var namespaceRules = OperatorRole.Generate().Rules;
        var requests = cluster.Server.Requests.ForUser(OperatorCluster.OperatorUser).Where(r => r.IsResourceRequest).ToList();
        Assert.NotEmpty(requests);
        var denied = requests.Where(r => !PermissionRules.Allows(clusterRules, r.Verb, r.Group, r.Resource, r.Subresource)
                && !(r.Namespace == cluster.Namespace && PermissionRules.Allows(namespaceRules, r.Verb, r.Group, r.Resource, r.Subresource)))
            .Select(r => $"{r.Verb} {r.Group}/{r.Resource}{(r.Subresource is null ? "" : "/" + r.Subresource)} in {r.Namespace ?? "(cluster)"}").Distinct().ToList();
        Assert.True(denied.Count == 0, "requests outside the ClusterRole and the operator's Role: " + string.Join(", ", denied));
    }
}
