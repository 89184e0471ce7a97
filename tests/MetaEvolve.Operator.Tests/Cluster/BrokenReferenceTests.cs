using k8s;
using MetaEvolve.Testing;
namespace MetaEvolve.Operator.Tests.Cluster;

[Trait(Services.Trait, Services.Needed)]
public class BrokenReferenceTests
{
    private static long Reconciles(OperatorInstance instance)
    {
        return instance.Leader.Manager!.Controllers.Sum(controller => controller.Reconciles);
    }

    [Fact]
    public async Task Missing_pool_missing_secret_and_invalid_csharp_give_clear_conditions_without_hot_loops_and_recover_when_fixed()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        var instance = await cluster.StartOperatorAsync();
        await cluster.ApplyAsync("""
            apiVersion: metaevolve.io/v1alpha1
            kind: Agent
            metadata:
              name: orphan
            spec:
              poolRef:
                name: nowhere
            ---
            apiVersion: metaevolve.io/v1alpha1
            kind: AgentPool
            metadata:
              name: general
            spec:
              autoscaling:
                mode: None
            ---
            apiVersion: metaevolve.io/v1alpha1
            kind: Agent
            metadata:
              name: keyless
            spec:
              poolRef:
                name: general
              model:
                provider: OpenAI
                model: gpt-4o-mini
                apiKeySecretRef:
                  name: missing-credentials
                  key: apiKey
            ---
            apiVersion: metaevolve.io/v1alpha1
            kind: Skill
            metadata:
              name: escape
            spec:
              type: CSharp
              csharp:
                source: |
                  public sealed class Escape
                  {
                      [KernelFunction]
                      public string Read(string path) => System.IO.File.ReadAllText(path);
                  }
            """);

        await OperatorCluster.EventuallyAsync(async () =>
            (await cluster.AgentAsync("orphan")).Status?.Conditions.Condition("Ready", out _, out _) == "False"
            && (await cluster.AgentAsync("keyless")).Status?.Conditions.Condition("Ready", out _, out _) == "False"
            && (await cluster.SkillAsync("escape")).Status?.Conditions.Condition("Ready", out _, out _) == "False",
            "all three report Ready=False");
        Assert.Equal("False", (await cluster.AgentAsync("orphan")).Status.Conditions.Condition("Ready", out var reason, out var message));
        Assert.Equal(("PoolNotFound", true), (reason, message!.Contains("nowhere", StringComparison.Ordinal)));
        (await cluster.AgentAsync("keyless")).Status.Conditions.Condition("Ready", out reason, out message);
        Assert.Equal(("SecretNotFound", true), (reason, message!.Contains("missing-credentials", StringComparison.Ordinal)));
        var escape = await cluster.SkillAsync("escape");
        escape.Status.Conditions.Condition("Ready", out reason, out _);
        Assert.Equal("PolicyViolation", reason);
        Assert.Contains(escape.Status.Diagnostics!, d => d.Line == 4);
        Assert.Equal(0, await cluster.CountAsync("agents", "keyless"));

        // Nothing changes now: the operator must go quiet rather than retry in a loop.
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        var settled = Reconciles(instance);
        await Task.Delay(3000, TestContext.Current.CancellationToken);
        Assert.True(Reconciles(instance) - settled <= 1, $"{Reconciles(instance) - settled} reconciles while nothing changed");

        // The missing Secret appears: the agent is reconciled again without anyone touching it.
        await cluster.ApplyAsync("""
            apiVersion: v1
            kind: Secret
            metadata:
              name: missing-credentials
              labels: {metaevolve.io/agent-secret: "true"}
            stringData:
              apiKey: sk-test
            """);
        await cluster.Kubectl.OkAsync("wait", "--for=condition=Ready", "--timeout=30s", "agent/keyless");
        Assert.Equal(1, await cluster.CountAsync("agents", "keyless"));
        await OperatorCluster.EventuallyAsync(async () =>
            (await cluster.Client("test").AppsV1.ReadNamespacedDeploymentAsync("general-workers", cluster.Namespace, cancellationToken: TestContext.Current.CancellationToken))
                .Spec.Template.Spec.Containers[0].Env.Any(e => e.Name == "METAEVOLVE_APIKEY_KEYLESS"),
            "the pool's workers get the agent's key variable");

        // And the pool that was missing appears.
        await cluster.ApplyAsync("""
            apiVersion: metaevolve.io/v1alpha1
            kind: AgentPool
            metadata:
              name: nowhere
            spec:
              autoscaling:
                mode: None
            """);
        await cluster.Kubectl.OkAsync("wait", "--for=condition=Ready", "--timeout=30s", "agent/orphan");
    }
}
