using System.Text.Json;
using k8s;
using MetaEvolve.Core.Config;
using MetaEvolve.Crds;
using MetaEvolve.Crds.Labels;
using MetaEvolve.Operator.Rbac;
using MetaEvolve.Operator.Skills;
using MetaEvolve.Testing;
using Npgsql;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>
/// The operator's side of agents' skill proposals: rows a worker recorded as Accepted in skill_proposals (inserted
/// here directly, as that is the workers' contract) become Skill objects, and under manual approval wait for the
/// annotations metaevolve.io/approve or metaevolve.io/reject.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public class SkillProposalTests
{
    private const string Agents = """
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
          name: eager
        spec:
          poolRef:
            name: general
          evolution:
            enabled: true
            approval: Auto
        ---
        apiVersion: metaevolve.io/v1alpha1
        kind: Agent
        metadata:
          name: careful
        spec:
          poolRef:
            name: general
          evolution:
            enabled: true
            approval: Manual
        """;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static V1Alpha1SkillSpec Spec(string agent, string version, string body, bool withTest = false) => new()
    {
        Description = "Greets someone.",
        Type = SkillType.CSharp,
        Version = version,
        CSharp = new CSharpSkill
        {
            Source = $$"""
                public sealed class Greeter
                {
                    [KernelFunction]
                    public string Greet(string name) => {{body}};
                }
                """,
        },
        Tests = withTest
            ? [new SkillTestCase { Name = "greets", Function = "Greet", Arguments = new Dictionary<string, string> { ["name"] = "Ada" }, Expect = new SkillExpectation { EqualTo = "Hello, Ada" } }]
            : null,
        Origin = new SkillOrigin { AuthoredBy = SkillAuthor.Agent, AgentRef = new LocalObjectReference { Name = agent } },
    };

    private static async Task<OperatorCluster> StartAsync()
    {
        var cluster = await OperatorCluster.StartAsync();
        await cluster.StartOperatorAsync();
        await cluster.ApplyAsync(Agents);
        return cluster;
    }

    /// <summary>Records a proposal as a worker does once its own checks passed: state Accepted.</summary>
    private static async Task<Guid> ProposeAsync(OperatorCluster cluster, string agent, string skill, V1Alpha1SkillSpec spec)
    {
        var id = Guid.CreateVersion7();
        // The leader migrates the store when it starts leading: the table may not be there yet.
        await OperatorCluster.EventuallyAsync(async () =>
        {
            await using var store = cluster.Store();
            await using var command = store.CreateCommand($"""
                INSERT INTO {cluster.Schema}.skill_proposals (id, namespace, agent, skill, version, type, spec, digest, state)
                VALUES ($1, $2, $3, $4, $5, 'CSharp', $6::jsonb, $7, 'Accepted')
                """);
            command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = cluster.Namespace });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = agent });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = skill });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = spec.Version! });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = KubernetesJson.Serialize(spec) });
            command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = SkillSpecDigest.Compute(spec) });
            await command.ExecuteNonQueryAsync(Ct);
            return true;
        }, "the proposal is recorded");
        return id;
    }

    private sealed record ProposalRow(string State, string? Reason, string? Message, JsonElement Diagnostics, bool Handled, string? DecidedBy, bool Decided);

    private static async Task<ProposalRow> RowAsync(OperatorCluster cluster, Guid id)
    {
        await using var store = cluster.Store();
        await using var command = store.CreateCommand($"""
            SELECT state, reason, message, diagnostics::text, handled_at IS NOT NULL, decided_by, decided_at IS NOT NULL
            FROM {cluster.Schema}.skill_proposals WHERE id = $1
            """);
        command.Parameters.Add(new NpgsqlParameter<Guid> { TypedValue = id });
        await using var reader = await command.ExecuteReaderAsync(Ct);
        Assert.True(await reader.ReadAsync(Ct), $"proposal {id} exists");
        using var diagnostics = JsonDocument.Parse(reader.GetString(3));
        return new ProposalRow(reader.GetString(0), reader.IsDBNull(1) ? null : reader.GetString(1), reader.IsDBNull(2) ? null : reader.GetString(2),
            diagnostics.RootElement.Clone(), reader.GetBoolean(4), reader.IsDBNull(5) ? null : reader.GetString(5), reader.GetBoolean(6));
    }

    private static Task WaitForRowAsync(OperatorCluster cluster, Guid id, string state) =>
        OperatorCluster.EventuallyAsync(async () => (await RowAsync(cluster, id)).State == state, $"proposal {id} is {state}");

    /// <summary>The digest agents following the latest get (the store's pointer), or null when none was published.</summary>
    private static async Task<string?> LatestDigestAsync(OperatorCluster cluster, string skill)
    {
        await using var store = cluster.Store();
        await using var command = store.CreateCommand($"SELECT latest_digest FROM {cluster.Schema}.skills WHERE namespace = $1 AND name = $2");
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = cluster.Namespace });
        command.Parameters.Add(new NpgsqlParameter<string> { TypedValue = skill });
        return await command.ExecuteScalarAsync(Ct) as string;
    }

    private static async Task AnnotateAsync(OperatorCluster cluster, string skill, params string[] annotations) =>
        await cluster.Kubectl.OkAsync(["annotate", "--overwrite", $"skill/{skill}", .. annotations]);

    private static long SkillReconciles(OperatorCluster cluster) =>
        cluster.Operators[0].Leader.Manager!.ControllerFor<V1Alpha1Skill>().Reconciles;

    [Fact]
    public async Task An_accepted_proposal_of_an_agent_with_auto_approval_becomes_a_published_skill_that_names_its_author()
    {
        await using var cluster = await StartAsync();

        var id = await ProposeAsync(cluster, "eager", "greeter", Spec("eager", "1.0.0", "\"Hello, \" + name", withTest: true));

        await WaitForRowAsync(cluster, id, "Published");
        Assert.True((await RowAsync(cluster, id)).Handled);
        await cluster.Kubectl.OkAsync("wait", "--for=condition=Ready", "--timeout=60s", "skill/greeter");
        var skill = await cluster.SkillAsync("greeter");
        Assert.Equal(SkillAuthor.Agent, skill.Spec.Origin?.AuthoredBy);
        Assert.Equal("eager", skill.Spec.Origin?.AgentRef?.Name);
        Assert.Equal("eager", skill.Metadata.Labels[AuthoredSkillKeys.AuthoredBy]);
        Assert.Equal(skill.Status.Digest, skill.Status.PublishedDigest);
        Assert.Equal("1.0.0", skill.Status.PublishedVersion);
        Assert.Null(skill.Status.Approval);
        Assert.Equal(skill.Status.PublishedDigest, await LatestDigestAsync(cluster, "greeter"));
        Assert.Equal(skill.Status.PublishedDigest, await cluster.NoticeAsync(ConfigNotices.SkillKey(cluster.Namespace, "greeter")));
    }

    [Fact]
    public async Task Under_manual_approval_a_proposal_waits_unserved_until_its_digest_is_approved_and_a_rejected_one_is_never_served()
    {
        await using var cluster = await StartAsync();

        var first = await ProposeAsync(cluster, "careful", "greeter", Spec("careful", "1.0.0", "\"Hello, \" + name"));

        await WaitForRowAsync(cluster, first, "PendingApproval");
        await OperatorCluster.EventuallyAsync(async () => (await cluster.SkillAsync("greeter")).Status.Approval?.State == SkillApprovalState.Pending, "the skill awaits approval");
        var pending = await cluster.SkillAsync("greeter");
        Assert.Equal("careful", pending.Metadata.Labels[AuthoredSkillKeys.AuthoredBy]);
        Assert.Equal(pending.Status.Digest, pending.Status.Approval!.Digest);
        Assert.Equal("False", pending.Status.Conditions.Condition("Published", out var reason, out _));
        Assert.Equal(ConditionReasons.AwaitingApproval, reason);
        Assert.Null(pending.Status.PublishedDigest);
        Assert.Null(await LatestDigestAsync(cluster, "greeter"));
        Assert.Equal(0, await cluster.CountAsync("skill_versions", "greeter"));
        var v1 = pending.Status.Digest!;

        await AnnotateAsync(cluster, "greeter", $"{AuthoredSkillKeys.Approve}={v1}", $"{AuthoredSkillKeys.ApprovedBy}=alice");

        await WaitForRowAsync(cluster, first, "Published");
        await OperatorCluster.EventuallyAsync(async () => (await cluster.SkillAsync("greeter")).Status.PublishedDigest == v1, "the approved digest is served");
        var approved = await cluster.SkillAsync("greeter");
        Assert.Equal(SkillApprovalState.Approved, approved.Status.Approval?.State);
        Assert.Equal("alice", approved.Status.Approval?.By);
        Assert.Equal("1.0.0", approved.Status.PublishedVersion);
        Assert.Equal(v1, await LatestDigestAsync(cluster, "greeter"));
        Assert.Equal(v1, await cluster.NoticeAsync(ConfigNotices.SkillKey(cluster.Namespace, "greeter")));
        var decided = await RowAsync(cluster, first);
        Assert.Equal("alice", decided.DecidedBy);
        Assert.True(decided.Decided);

        // A new version waits while the approved one stays served.
        var second = await ProposeAsync(cluster, "careful", "greeter", Spec("careful", "1.1.0", "\"Hello there, \" + name"));
        await WaitForRowAsync(cluster, second, "PendingApproval");
        await OperatorCluster.EventuallyAsync(async () => (await cluster.SkillAsync("greeter")).Status.Approval is { State: SkillApprovalState.Pending } a && a.Digest != v1,
            "the new version awaits approval");
        var v2 = (await cluster.SkillAsync("greeter")).Status.Approval!.Digest!;
        Assert.Equal(v1, (await cluster.SkillAsync("greeter")).Status.PublishedDigest);
        Assert.Equal(v1, await LatestDigestAsync(cluster, "greeter"));

        // The annotation still names v1: an approval of another digest does nothing.
        var before = SkillReconciles(cluster);
        await AnnotateAsync(cluster, "greeter", $"{AuthoredSkillKeys.Approve}=sha256:{new string('0', 64)}");
        await OperatorCluster.EventuallyAsync(() => Task.FromResult(SkillReconciles(cluster) > before), "the skill is reconciled after the annotation");
        var unmoved = await cluster.SkillAsync("greeter");
        Assert.Equal(SkillApprovalState.Pending, unmoved.Status.Approval?.State);
        Assert.Equal(v1, unmoved.Status.PublishedDigest);
        Assert.Equal(v1, await LatestDigestAsync(cluster, "greeter"));
        Assert.Equal("PendingApproval", (await RowAsync(cluster, second)).State);

        await AnnotateAsync(cluster, "greeter", $"{AuthoredSkillKeys.Approve}={v2}");
        await WaitForRowAsync(cluster, second, "Published");
        await OperatorCluster.EventuallyAsync(async () => (await cluster.SkillAsync("greeter")).Status.PublishedDigest == v2, "the second approved digest is served");
        Assert.Equal(v2, await LatestDigestAsync(cluster, "greeter"));

        // A rejected version is never stored or served.
        var third = await ProposeAsync(cluster, "careful", "greeter", Spec("careful", "1.2.0", "\"Hi, \" + name"));
        await WaitForRowAsync(cluster, third, "PendingApproval");
        await OperatorCluster.EventuallyAsync(async () => (await cluster.SkillAsync("greeter")).Status.Approval is { State: SkillApprovalState.Pending } a && a.Digest != v2,
            "the third version awaits approval");
        var v3 = (await cluster.SkillAsync("greeter")).Status.Approval!.Digest!;

        await AnnotateAsync(cluster, "greeter", $"{AuthoredSkillKeys.Reject}={v3}", $"{AuthoredSkillKeys.ApprovedBy}=bob");

        await WaitForRowAsync(cluster, third, "Rejected");
        await OperatorCluster.EventuallyAsync(async () => (await cluster.SkillAsync("greeter")).Status.Approval?.State == SkillApprovalState.Rejected, "the skill shows the rejection");
        var rejected = await cluster.SkillAsync("greeter");
        Assert.Equal(v3, rejected.Status.Approval!.Digest);
        Assert.Equal("bob", rejected.Status.Approval.By);
        Assert.Equal("False", rejected.Status.Conditions.Condition("Published", out var rejectedReason, out _));
        Assert.Equal(ConditionReasons.ApprovalRejected, rejectedReason);
        Assert.Equal(v2, rejected.Status.PublishedDigest);
        Assert.Equal(v2, await LatestDigestAsync(cluster, "greeter"));
        Assert.Equal(2, await cluster.CountAsync("skill_versions", "greeter"));
        var row = await RowAsync(cluster, third);
        Assert.Equal("bob", row.DecidedBy);
        Assert.Contains("rejected", row.Message, StringComparison.Ordinal);

        // Creating and updating the Skill, and the Events, are all within the generated ClusterRole.
        var rules = OperatorClusterRole.Generate().Rules;
        var denied = cluster.Server.Requests.ForUser(OperatorCluster.OperatorUser)
            .Where(r => r.IsResourceRequest && r.Namespace == cluster.Namespace && r.Resource != "leases")
            .Where(r => !PermissionRules.Allows(rules, r.Verb, r.Group, r.Resource, r.Subresource))
            .Select(r => $"{r.Verb} {r.Group}/{r.Resource}").Distinct().ToList();
        Assert.True(denied.Count == 0, "requests outside the ClusterRole: " + string.Join(", ", denied));
        Assert.Contains(cluster.Server.Requests.ForUser(OperatorCluster.OperatorUser), r => r.Verb == "create" && r.Resource == "skills");
        Assert.Contains(cluster.Server.Requests.ForUser(OperatorCluster.OperatorUser), r => r.Verb == "update" && r.Resource == "skills");
    }

    [Fact]
    public async Task An_invalid_proposal_is_rejected_with_diagnostics_and_writes_no_skill()
    {
        await using var cluster = await StartAsync();

        var id = await ProposeAsync(cluster, "eager", "broken", Spec("eager", "1.0.0", "undefinedName"));

        await WaitForRowAsync(cluster, id, "Rejected");
        var row = await RowAsync(cluster, id);
        Assert.True(row.Handled);
        Assert.Equal(ConditionReasons.CompilationFailed, row.Reason);
        var diagnostic = Assert.Single(row.Diagnostics.EnumerateArray(), d => d.GetProperty("code").GetString() == "CS0103");
        Assert.Equal("Error", diagnostic.GetProperty("severity").GetString());
        Assert.Equal(4, diagnostic.GetProperty("line").GetInt32());
        Assert.True(diagnostic.GetProperty("column").GetInt32() > 1);
        Assert.False(string.IsNullOrEmpty(diagnostic.GetProperty("message").GetString()));
        var notFound = await cluster.Kubectl.RunAsync("get", "skill/broken");
        Assert.NotEqual(0, notFound.ExitCode);
    }

    [Fact]
    public async Task A_proposal_for_the_name_of_a_human_written_skill_is_refused_and_leaves_the_skill_alone()
    {
        await using var cluster = await StartAsync();
        await cluster.ApplyAsync("""
            apiVersion: metaevolve.io/v1alpha1
            kind: Skill
            metadata:
              name: greeter
            spec:
              type: CSharp
              version: 3.0.0
              csharp:
                source: |
                  public sealed class Greeter
                  {
                      [KernelFunction]
                      public string Greet(string name) => "Good day, " + name;
                  }
            """);
        await cluster.Kubectl.OkAsync("wait", "--for=condition=Ready", "--timeout=60s", "skill/greeter");
        var human = await cluster.SkillAsync("greeter");

        var id = await ProposeAsync(cluster, "eager", "greeter", Spec("eager", "4.0.0", "\"Hello, \" + name"));

        await WaitForRowAsync(cluster, id, "Refused");
        Assert.Equal("NameOwnedByHuman", (await RowAsync(cluster, id)).Reason);
        var after = await cluster.SkillAsync("greeter");
        Assert.Equal(human.Metadata.Generation, after.Metadata.Generation);
        Assert.Equal("3.0.0", after.Spec.Version);
        Assert.NotEqual(SkillAuthor.Agent, after.Spec.Origin?.AuthoredBy);
        Assert.False(after.Metadata.Labels?.ContainsKey(AuthoredSkillKeys.AuthoredBy) ?? false);
        Assert.Equal(human.Status.PublishedDigest, await LatestDigestAsync(cluster, "greeter"));
    }
}
