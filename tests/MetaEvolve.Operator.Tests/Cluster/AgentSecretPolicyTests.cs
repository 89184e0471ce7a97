using k8s;
using k8s.Models;
using MetaEvolve.Core.Config;
using MetaEvolve.Crds;
using MetaEvolve.Testing;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>
/// An Agent may name only Secrets labelled metaevolve.io/agent-secret "true", never the operator's connection Secret:
/// otherwise it is not Ready (SecretNotAllowed, naming the Secret and the label) and its key never reaches the workers.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public class AgentSecretPolicyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task An_unlabelled_secret_or_the_connection_secret_is_refused_and_nothing_of_it_is_sent()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        await cluster.StartOperatorAsync();
        await cluster.ApplyAsync("""
            apiVersion: v1
            kind: Secret
            metadata:
              name: plain-credentials
            stringData:
              apiKey: sk-plain
            ---
            apiVersion: metaevolve.io/v1alpha1
            kind: AgentPool
            metadata:
              name: guarded
            spec:
              autoscaling: {mode: None}
              replicas: 0
            ---
            apiVersion: metaevolve.io/v1alpha1
            kind: Agent
            metadata:
              name: unlabelled
            spec:
              poolRef: {name: guarded}
              model: {provider: OpenAICompatible, model: m, endpoint: "http://127.0.0.1:9/v1", apiKeySecretRef: {name: plain-credentials, key: apiKey}}
            ---
            apiVersion: metaevolve.io/v1alpha1
            kind: Agent
            metadata:
              name: thief
            spec:
              poolRef: {name: guarded}
              model: {provider: OpenAICompatible, model: m, endpoint: "http://127.0.0.1:9/v1", apiKeySecretRef: {name: metaevolve-connection, key: METAEVOLVE_POSTGRES}}
            """);

        foreach (var (agent, expected) in new[] { ("unlabelled", "is not labelled metaevolve.io/agent-secret"), ("thief", "is managed by the operator") })
        {
            await OperatorCluster.EventuallyAsync(async () => Reason(await cluster.AgentAsync(agent)) == ConditionReasons.SecretNotAllowed,
                $"agent {agent} is refused its Secret");
            (await cluster.AgentAsync(agent)).Status.Conditions.Condition("Ready", out _, out var message);
            Assert.Contains(expected, message!, StringComparison.Ordinal);
            Assert.Contains("spec.model.apiKeySecretRef", message!, StringComparison.Ordinal);
        }

        await OperatorCluster.EventuallyAsync(async () => await DeploymentAsync(cluster) is not null, "the pool's Deployment is made");
        Assert.DoesNotContain((await DeploymentAsync(cluster))!.Spec.Template.Spec.Containers[0].Env, e => e.Name.StartsWith("METAEVOLVE_APIKEY_", StringComparison.Ordinal));

        // Its owner opts the Secret in: the agent becomes Ready and the workers get its key.
        await cluster.Client("test").CoreV1.PatchNamespacedSecretAsync(
            new V1Patch("""{"metadata":{"labels":{"metaevolve.io/agent-secret":"true"}}}""", V1Patch.PatchType.MergePatch), "plain-credentials", cluster.Namespace, cancellationToken: Ct);
        await OperatorCluster.EventuallyAsync(async () => Reason(await cluster.AgentAsync("unlabelled")) != ConditionReasons.SecretNotAllowed,
            "the labelled Secret is accepted");
        await OperatorCluster.EventuallyAsync(async () => (await DeploymentAsync(cluster))!.Spec.Template.Spec.Containers[0].Env
            .Any(e => e.Name == AgentSecrets.ApiKeyVariable("unlabelled")), "the workers get the opted-in key");
        Assert.DoesNotContain((await DeploymentAsync(cluster))!.Spec.Template.Spec.Containers[0].Env, e => e.Name == AgentSecrets.ApiKeyVariable("thief"));
    }

    private static string? Reason(V1Alpha1Agent agent)
    {
        string? reason = null;
        agent.Status?.Conditions.Condition("Ready", out reason, out _);
        return reason;
    }

    private static async Task<V1Deployment?> DeploymentAsync(OperatorCluster cluster) =>
        (await cluster.Client("test").AppsV1.ListNamespacedDeploymentAsync(cluster.Namespace, cancellationToken: Ct)).Items
            .SingleOrDefault(d => d.Metadata.Name == "guarded-workers");
}
