using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using MetaEvolve.Core;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Crds;
using MetaEvolve.Crds.Labels;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;
using NATS.Client.JetStream;
using Npgsql;

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

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_skill_an_agent_proposes_is_served_only_once_its_digest_is_approved()
    {
        await using var cluster = await OperatorCluster.StartAsync(runWorkers: true);
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

        await using var store = NpgsqlDataSource.Create(cluster.Connections.Postgres);
        var tasks = new TaskRepository(store, cluster.Schema);
        await using var nats = NatsConnectionFactory.Create(cluster.Connections, "operator tests");
        var publisher = new TaskPublisher(new NatsJSContext(nats), cluster.Names);

        var proposal = await RunAsync(tasks, publisher, cluster, "evolution", "ProposeSkill", new JsonObject
        {
            ["name"] = "letter-count",
            ["type"] = "CSharp",
            ["description"] = "Counts letters.",
            ["source"] = Source,
            ["tests"] = new JsonArray(new JsonObject
            {
                ["name"] = "five",
                ["function"] = "Count",
                ["arguments"] = new JsonObject { ["text"] = "hello" },
                ["expect"] = new JsonObject { ["equals"] = "5" },
            }),
        });
        var answer = JsonNode.Parse(Result(proposal))!.AsObject();
        Assert.True((string?)answer["state"] == "PendingApproval", answer.ToJsonString());

        // The row moves once the Skill is written; the skill controller records the wait in its status a moment later.
        await OperatorCluster.EventuallyAsync(async () => (await cluster.SkillAsync("letter-count")).Status?.Approval?.State == SkillApprovalState.Pending,
            "the skill awaits approval");
        var skill = await cluster.SkillAsync("letter-count");
        Assert.Equal("author", skill.Metadata.Labels[AuthoredSkillKeys.AuthoredBy]);
        Assert.Equal("author", skill.Spec.Origin?.AgentRef?.Name);
        var before = await RunAsync(tasks, publisher, cluster, "letter-count", "Count", new JsonObject { ["text"] = "abc" });
        Assert.Equal(TaskStates.Failed, before.Status);

        // A person approves with the CLI, as the kubeconfig's user; the API server says who that is.
        var (approved, approveOutput) = await MetaEvolveAsync(cluster, "skill", "approve", "letter-count");
        Assert.True(approved == 0, approveOutput);
        Assert.Contains($"approved skill {cluster.Namespace}/letter-count version 1.0.0 ({skill.Status.Approval!.Digest}) as {OperatorCluster.KubectlUser}", approveOutput, StringComparison.Ordinal);
        await OperatorCluster.EventuallyAsync(async () => (await cluster.SkillAsync("letter-count")).Status.PublishedDigest == skill.Status.Approval.Digest,
            "the approved digest is published");
        Assert.Equal(OperatorCluster.KubectlUser, (await cluster.SkillAsync("letter-count")).Status.Approval?.By);
        var (again, againOutput) = await MetaEvolveAsync(cluster, "skill", "approve", "letter-count");
        Assert.True(again == 2, againOutput);
        Assert.Contains("has no version waiting for approval (approval: Approved)", againOutput, StringComparison.Ordinal);

        // Workers serve it within moments of the notice; the test allows 30 s for a loaded machine.
        TaskRecord after = before;
        await OperatorCluster.EventuallyAsync(async () =>
        {
            after = await RunAsync(tasks, publisher, cluster, "letter-count", "Count", new JsonObject { ["text"] = "abc" });
            return after.Status == TaskStates.Succeeded;
        }, "the agent calls its approved skill", seconds: 30);
        Assert.Equal("3", Result(after));
        // The authoring Agent hears of its skill's proposal and approval (kubectl describe agent).
        var agentEvents = (await cluster.Client("test").CoreV1.ListNamespacedEventAsync(cluster.Namespace, cancellationToken: Ct)).Items
            .Where(e => e.InvolvedObject.Kind == V1Alpha1Agent.KubeKind && e.InvolvedObject.Name == "author").Select(e => e.Reason).ToList();
        Assert.Contains("SkillProposed", agentEvents);
        Assert.Contains("SkillApproved", agentEvents);
    }

    private static async Task<TaskRecord> RunAsync(TaskRepository tasks, TaskPublisher publisher, OperatorCluster cluster, string skill, string function, JsonObject arguments)
    {
        var envelope = new TaskEnvelope
        {
            Id = TaskIds.NewId(),
            Namespace = cluster.Namespace,
            Pool = "evolving",
            Agent = "author",
            Input = TaskInput.Direct(skill, function, JsonSerializer.SerializeToElement(arguments)),
        };
        await tasks.EnqueueAsync(envelope, Ct);
        await publisher.PublishAsync(envelope, cancellationToken: Ct);
        TaskRecord? record = null;
        await OperatorCluster.EventuallyAsync(async () => (record = await tasks.GetAsync(envelope.Id, Ct)) is { } r && TaskStates.IsFinal(r.Status),
            $"task {skill}.{function} ends", seconds: 60);
        return record!;
    }

    /// <summary>The built <c>metaevolve</c> command, as a user runs it, with the test kubectl's kubeconfig.</summary>
    private static async Task<(int ExitCode, string Output)> MetaEvolveAsync(OperatorCluster cluster, params string[] args)
    {
        var dll = Path.Combine(RepositoryRoot.Path, "cli", "MetaEvolve.Cli", "bin", "Debug", "net10.0", "metaevolve.dll");
        var info = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in (string[])[dll, .. args, "--kubeconfig", cluster.Kubectl.KubeconfigPath, "-n", cluster.Namespace])
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync(Ct);
        var error = process.StandardError.ReadToEndAsync(Ct);
        await process.WaitForExitAsync(Ct);
        return (process.ExitCode, await output + await error);
    }

    private static string Result(TaskRecord record)
    {
        Assert.True(record.Status == TaskStates.Succeeded, $"{record.Status}: {record.Error}");
        return (string)JsonNode.Parse(record.OutputJson!)!["result"]!;
    }
}
