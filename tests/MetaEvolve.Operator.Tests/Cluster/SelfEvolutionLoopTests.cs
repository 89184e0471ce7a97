using System.Text.Json.Nodes;
using k8s;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Crds;
using MetaEvolve.Crds.Labels;
using MetaEvolve.Testing;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>
/// The whole loop with real processes: an agent's worker (connected as its namespace's store role) proposes a skill
/// with evolution.ProposeSkill, the operator turns the proposal into a Skill awaiting approval, nobody can call it until
/// a person approves its digest with <c>metaevolve skill approve</c>, and then the agent calls it.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public class SelfEvolutionLoopTests
{
    private const string Source = """
        using Microsoft.SemanticKernel;

        public sealed class Letters
        {
            [KernelFunction]
            public int Count(string text) => text.Length;
        }
        """;

    /// <summary>Version 1.0.1: counts what is not a space.</summary>
    private const string SecondSource = """
        using Microsoft.SemanticKernel;

        public sealed class Letters
        {
            [KernelFunction]
            public int Count(string text) => text.Replace(" ", "").Length;
        }
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_skill_an_agent_proposes_is_served_only_once_its_digest_is_approved()
    {
        await using var cluster = await OperatorCluster.StartAsync(runWorkers: true);
        await using var calls = await DirectCalls.StartAsync(cluster, "author");
        await cluster.StartOperatorAsync();
        await cluster.ApplyAsync("""
            apiVersion: metaevolve.io/v1alpha1
            kind: AgentPool
            metadata:
              name: evolving
            spec:
              autoscaling: {mode: None}
              replicas: 1
            ---
            apiVersion: metaevolve.io/v1alpha1
            kind: Agent
            metadata:
              name: author
            spec:
              poolRef: {name: evolving}
              model: {provider: OpenAICompatible, model: m, endpoint: "http://127.0.0.1:9/v1"}
              evolution: {enabled: true, approval: Manual}
            """);
        await OperatorCluster.EventuallyAsync(async () => (await cluster.PoolAsync("evolving")).Status?.Conditions.Condition("Ready", out _, out _) == "True",
            "the pool is Ready", seconds: 90);

        var proposal = await calls.RunAsync("evolving", "author", "evolution", "ProposeSkill", Proposal(Source));
        var answer = JsonNode.Parse(DirectCalls.Result(proposal))!.AsObject();
        Assert.True((string?)answer["state"] == "PendingApproval", answer.ToJsonString());

        // The row moves once the Skill is written; the skill controller records the wait in its status a moment later.
        await OperatorCluster.EventuallyAsync(async () => (await cluster.SkillAsync("letter-count")).Status?.Approval?.State == SkillApprovalState.Pending,
            "the skill awaits approval");
        var skill = await cluster.SkillAsync("letter-count");
        Assert.Equal("author", skill.Metadata.Labels[AuthoredSkillKeys.AuthoredBy]);
        Assert.Equal("author", skill.Spec.Origin?.AgentRef?.Name);
        var before = await calls.RunAsync("evolving", "author", "letter-count", "Count", new JsonObject { ["text"] = "abc" });
        Assert.Equal(TaskStates.Failed, before.Status);

        // A person approves with the CLI, as the kubeconfig's user; the API server says who that is.
        var (approved, approveOutput) = await calls.MetaEvolveAsync("skill", "approve", "letter-count");
        Assert.True(approved == 0, approveOutput);
        Assert.Contains($"approved skill {cluster.Namespace}/letter-count version 1.0.0 ({skill.Status.Approval!.Digest}) as {OperatorCluster.KubectlUser}", approveOutput, StringComparison.Ordinal);
        await OperatorCluster.EventuallyAsync(async () => (await cluster.SkillAsync("letter-count")).Status.PublishedDigest == skill.Status.Approval.Digest,
            "the approved digest is published");
        Assert.Equal(OperatorCluster.KubectlUser, (await cluster.SkillAsync("letter-count")).Status.Approval?.By);
        var (again, againOutput) = await calls.MetaEvolveAsync("skill", "approve", "letter-count");
        Assert.True(again == 2, againOutput);
        Assert.Contains("has no version waiting for approval (approval: Approved)", againOutput, StringComparison.Ordinal);

        // Workers serve it within moments of the notice; the test allows 30 s for a loaded machine.
        TaskRecord after = before;
        await OperatorCluster.EventuallyAsync(async () =>
        {
            after = await calls.RunAsync("evolving", "author", "letter-count", "Count", new JsonObject { ["text"] = "abc" });
            return after.Status == TaskStates.Succeeded;
        }, "the agent calls its approved skill", seconds: 30);
        Assert.Equal("3", DirectCalls.Result(after));
        // The authoring Agent hears of its skill's proposal and approval (kubectl describe agent).
        var agentEvents = (await cluster.Client("test").CoreV1.ListNamespacedEventAsync(cluster.Namespace, cancellationToken: Ct)).Items
            .Where(e => e.InvolvedObject.Kind == V1Alpha1Agent.KubeKind && e.InvolvedObject.Name == "author").Select(e => e.Reason).ToList();
        Assert.Contains("SkillProposed", agentEvents);
        Assert.Contains("SkillApproved", agentEvents);

        // Version 1.0.1, approved too; then a rollback serves 1.0.0 again with no new approval (it was approved before).
        var first = skill.Status.Approval.Digest!;
        var next = JsonNode.Parse(DirectCalls.Result(await calls.RunAsync("evolving", "author", "evolution", "ProposeSkill", Proposal(SecondSource))))!;
        Assert.True((string?)next["state"] == "PendingApproval" && (string?)next["version"] == "1.0.1", next.ToJsonString());
        await OperatorCluster.EventuallyAsync(async () => (await cluster.SkillAsync("letter-count")).Status?.Approval is { State: SkillApprovalState.Pending } pending
            && pending.Digest == (string?)next["digest"], "1.0.1 awaits approval");
        var (approvedNext, approvedNextOutput) = await calls.MetaEvolveAsync("skill", "approve", "letter-count");
        Assert.True(approvedNext == 0, approvedNextOutput);
        await calls.EveryWorkerServesAsync("letter-count", (string)next["digest"]!, workers: 1);
        Assert.Equal("2", DirectCalls.Result(await calls.RunAsync("evolving", "author", "letter-count", "Count", new JsonObject { ["text"] = "a b" })));

        var (rolledBack, rollbackOutput) = await calls.MetaEvolveAsync("skill", "rollback", "letter-count");
        Assert.True(rolledBack == 0, rollbackOutput);
        Assert.Contains($"from version 1.0.1 to 1.0.0 ({first}); it is served", rollbackOutput, StringComparison.Ordinal);
        await calls.EveryWorkerServesAsync("letter-count", first, workers: 1);
        Assert.Equal("3", DirectCalls.Result(await calls.RunAsync("evolving", "author", "letter-count", "Count", new JsonObject { ["text"] = "a b" })));
        await OperatorCluster.EventuallyAsync(async () => (await cluster.Client("test").CoreV1.ListNamespacedEventAsync(cluster.Namespace, cancellationToken: Ct)).Items
            .Any(e => e.InvolvedObject.Kind == V1Alpha1Agent.KubeKind && e.InvolvedObject.Name == "author" && e.Reason == SkillEvents.RolledBack),
            "the authoring Agent hears of the rollback");

        // Export keeps who authored it; --adopt hands it to a person.
        var (exported, exportOutput) = await calls.MetaEvolveAsync("skill", "export", "letter-count");
        Assert.True(exported == 0, exportOutput);
        var manifest = KubernetesYaml.Deserialize<V1Alpha1Skill>(exportOutput);
        Assert.Equal(("1.0.0", "author", "author"), (manifest.Spec.Version, manifest.Spec.Origin?.AgentRef?.Name, manifest.Metadata.Labels[AuthoredSkillKeys.AuthoredBy]));
        Assert.DoesNotContain(AuthoredSkillKeys.Approve, exportOutput, StringComparison.Ordinal);
        var (adopted, adoptOutput) = await calls.MetaEvolveAsync("skill", "export", "letter-count", "--adopt");
        Assert.True(adopted == 0, adoptOutput);
        var adoptedManifest = KubernetesYaml.Deserialize<V1Alpha1Skill>(adoptOutput);
        Assert.Null(adoptedManifest.Spec.Origin);
        Assert.False(adoptedManifest.Metadata.Labels?.ContainsKey(AuthoredSkillKeys.AuthoredBy) ?? false, adoptOutput);
    }

    private static JsonObject Proposal(string source) => new()
    {
        ["name"] = "letter-count",
        ["type"] = "CSharp",
        ["description"] = "Counts letters.",
        ["source"] = source,
        ["tests"] = new JsonArray(new JsonObject
        {
            ["name"] = "five",
            ["function"] = "Count",
            ["arguments"] = new JsonObject { ["text"] = "hello" },
            ["expect"] = new JsonObject { ["equals"] = "5" },
        }),
    };
}
