using k8s;
using k8s.Models;
using MetaEvolve.Core.Config;
using MetaEvolve.Core.Skills.Mcp;
using MetaEvolve.Crds;
using MetaEvolve.Testing;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>
/// An Mcp skill against a real MCP server (the official SDK on Kestrel): the operator connects with the header from a
/// labelled Secret, lists the allowlisted tools in status.functions with their required arguments, stores and announces
/// the version (no header value in the store), follows the server going down (Ready False McpServerUnavailable, retried)
/// and coming back, and refuses a Secret that is missing or not labelled for agents. The pool's workers get the header as a variable.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public class McpSkillStatusTests
{
    private const string Key = "mcp-key-31f8a0-operator";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string Manifest(string url, string secret = "mcp-credentials") => $$"""
        apiVersion: metaevolve.io/v1alpha1
        kind: Skill
        metadata:
          name: remote-tools
        spec:
          type: Mcp
          description: Tools of a remote MCP server.
          mcp:
            url: "{{url}}"
            headersFrom:
            - name: {{McpTestServer.KeyHeader}}
              secretKeyRef: {name: {{secret}}, key: key}
            tools: [echo, add]
            timeoutSeconds: 3
        """;

    [Fact]
    public async Task An_mcp_skill_is_ready_with_its_allowlisted_tools_and_follows_its_server_down_and_back()
    {
        await using var server = await McpTestServer.StartAsync(requiredKey: Key);
        await using var cluster = await OperatorCluster.StartAsync();
        await cluster.StartOperatorAsync(configure: o => o with { McpProbeInterval = TimeSpan.FromSeconds(1) });
        await cluster.ApplyAsync($$"""
            apiVersion: v1
            kind: Secret
            metadata:
              name: mcp-credentials
              labels: {metaevolve.io/agent-secret: "true"}
            stringData:
              key: {{Key}}
            ---
            {{Manifest(server.Url)}}
            ---
            apiVersion: metaevolve.io/v1alpha1
            kind: AgentPool
            metadata:
              name: remote
            spec:
              autoscaling: {mode: None}
              replicas: 0
            ---
            apiVersion: metaevolve.io/v1alpha1
            kind: Agent
            metadata:
              name: caller
            spec:
              poolRef: {name: remote}
              skills: [{name: remote-tools}]
            """);

        await OperatorCluster.EventuallyAsync(async () => Ready(await cluster.SkillAsync("remote-tools")) == "True", "the Mcp skill becomes Ready");
        var skill = await cluster.SkillAsync("remote-tools");
        Assert.Equal(["add", "echo"], skill.Status.Functions!.Select(f => f.Name!).Order());
        var add = skill.Status.Functions!.Single(f => f.Name == "add");
        Assert.Equal(["a", "b"], add.Parameters!.Order());
        Assert.Equal(["a", "b"], add.Required!.Order());
        Assert.Equal("Adds two integers.", add.Description);
        Assert.Equal(1, await cluster.CountAsync("skill_versions", "remote-tools"));
        Assert.Equal(skill.Status.Digest, await cluster.NoticeAsync(ConfigNotices.SkillKey(cluster.Namespace, "remote-tools")));
        Assert.Contains(Key, server.ReceivedKeys);
        Assert.Equal(0, await StoreRowsContainingAsync(cluster, Key));

        // The workers get the header from the Secret, by reference.
        await OperatorCluster.EventuallyAsync(async () => (await DeploymentAsync(cluster))?.Spec.Template.Spec.Containers[0].Env
            .Any(e => e.Name == McpHeaderSecrets.Variable("remote-tools", McpTestServer.KeyHeader) && e.ValueFrom?.SecretKeyRef?.Name == "mcp-credentials") == true,
            "the pool's workers get the header Secret as a variable");

        await server.StopAsync();
        await OperatorCluster.EventuallyAsync(async () => Reason(await cluster.SkillAsync("remote-tools")) == ConditionReasons.McpServerUnavailable,
            "the skill is not Ready while its server is down");
        (await cluster.SkillAsync("remote-tools")).Status.Conditions.Condition("Ready", out _, out var message);
        Assert.Contains($"MCP server {server.Url} did not answer", message!, StringComparison.Ordinal);

        await server.StartAgainAsync();
        await OperatorCluster.EventuallyAsync(async () => Ready(await cluster.SkillAsync("remote-tools")) == "True", "the skill is Ready again once its server answers");
    }

    [Fact]
    public async Task A_header_secret_missing_or_not_labelled_for_agents_is_refused_naming_it_and_never_sent()
    {
        await using var server = await McpTestServer.StartAsync(requiredKey: Key);
        await using var cluster = await OperatorCluster.StartAsync();
        await cluster.StartOperatorAsync();
        await cluster.ApplyAsync(Manifest(server.Url, secret: "plain-credentials"));

        await OperatorCluster.EventuallyAsync(async () => Reason(await cluster.SkillAsync("remote-tools")) == ConditionReasons.SecretNotFound,
            "the skill waits for its Secret");
        (await cluster.SkillAsync("remote-tools")).Status.Conditions.Condition("Ready", out _, out var missing);
        Assert.Equal($"Secret plain-credentials (spec.mcp.headersFrom[{McpTestServer.KeyHeader}]) does not exist in namespace {cluster.Namespace}", missing);

        // The Secret appears, but its owner has not opted it in for agents.
        await cluster.ApplyAsync($$"""
            apiVersion: v1
            kind: Secret
            metadata:
              name: plain-credentials
            stringData:
              key: {{Key}}
            """);

        await OperatorCluster.EventuallyAsync(async () => Reason(await cluster.SkillAsync("remote-tools")) == ConditionReasons.SecretNotAllowed,
            "the skill is refused its Secret");
        (await cluster.SkillAsync("remote-tools")).Status.Conditions.Condition("Ready", out _, out var message);
        Assert.Contains("plain-credentials", message!, StringComparison.Ordinal);
        Assert.Contains("spec.mcp.headersFrom", message!, StringComparison.Ordinal);
        Assert.Empty(server.ReceivedKeys);

        // Its owner opts the Secret in: the skill becomes Ready.
        await cluster.Client("test").CoreV1.PatchNamespacedSecretAsync(
            new V1Patch("""{"metadata":{"labels":{"metaevolve.io/agent-secret":"true"}}}""", V1Patch.PatchType.MergePatch), "plain-credentials", cluster.Namespace, cancellationToken: Ct);
        await OperatorCluster.EventuallyAsync(async () => Ready(await cluster.SkillAsync("remote-tools")) == "True", "the opted-in Secret is used");
    }

    private static string? Ready(V1Alpha1Skill skill) => skill.Status?.Conditions.Condition("Ready", out _, out _);

    private static string? Reason(V1Alpha1Skill skill)
    {
        string? reason = null;
        skill.Status?.Conditions.Condition("Ready", out reason, out _);
        return reason;
    }

    private static async Task<long> StoreRowsContainingAsync(OperatorCluster cluster, string text)
    {
        await using var store = cluster.Store();
        await using var command = store.CreateCommand($"SELECT count(*) FROM {cluster.Schema}.skill_versions WHERE spec::text LIKE '%' || $1 || '%' OR functions::text LIKE '%' || $1 || '%'");
        command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = text });
        return (long)(await command.ExecuteScalarAsync(Ct))!;
    }

    private static async Task<V1Deployment?> DeploymentAsync(OperatorCluster cluster) =>
        (await cluster.Client("test").AppsV1.ListNamespacedDeploymentAsync(cluster.Namespace, cancellationToken: Ct)).Items
            .SingleOrDefault(d => d.Metadata.Name == "remote-workers");
}
