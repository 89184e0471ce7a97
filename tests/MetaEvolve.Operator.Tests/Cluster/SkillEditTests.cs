using MetaEvolve.Core.Config;
using MetaEvolve.Testing;

namespace MetaEvolve.Operator.Tests.Cluster;

[Trait(Services.Trait, Services.Needed)]
public class SkillEditTests
{
    private static string Skill(string version, string body) => $$"""
        apiVersion: metaevolve.io/v1alpha1
        kind: Skill
        metadata:
          name: text-stats
        spec:
          type: CSharp
          version: {{version}}
          csharp:
            source: |
              public sealed class TextStats
              {
                  [KernelFunction]
                  public int WordCount(string text) => {{body}};
              }
        """;

    [Fact]
    public async Task Editing_a_skill_publishes_a_new_version_followers_move_pinned_agents_stay_and_an_invalid_edit_keeps_the_last_good_one()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        await cluster.StartOperatorAsync();
        await cluster.ApplyAsync(Skill("1.0.0", "text.Split(' ').Length"));
        await cluster.ApplyAsync("""
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
              name: follower
            spec:
              poolRef:
                name: general
              skills:
                - name: text-stats
            ---
            apiVersion: metaevolve.io/v1alpha1
            kind: Agent
            metadata:
              name: pinned
            spec:
              poolRef:
                name: general
              skills:
                - name: text-stats
                  version: 1.0.0
            """);
        await cluster.Kubectl.OkAsync("wait", "--for=condition=Ready", "--timeout=60s", "skill/text-stats", "agent/follower", "agent/pinned");
        var v1 = (await cluster.SkillAsync("text-stats")).Status.PublishedDigest!;
        var pinnedDigest = (await cluster.AgentAsync("pinned")).Status.Digest;
        var followerDigest = (await cluster.AgentAsync("follower")).Status.Digest;

        await cluster.ApplyAsync(Skill("1.1.0", "text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length"));

        await OperatorCluster.EventuallyAsync(async () => (await cluster.SkillAsync("text-stats")).Status.PublishedDigest is { } d && d != v1, "a new published digest");
        var v2 = (await cluster.SkillAsync("text-stats")).Status.PublishedDigest!;
        Assert.Equal(2, await cluster.CountAsync("skill_versions", "text-stats"));
        Assert.Equal(v2, await cluster.NoticeAsync(ConfigNotices.SkillKey(cluster.Namespace, "text-stats")));
        await OperatorCluster.EventuallyAsync(async () => (await cluster.AgentAsync("follower")).Status.ResolvedSkills?.SingleOrDefault()?.Digest == v2, "the following agent resolves the new version");
        var follower = await cluster.AgentAsync("follower");
        Assert.NotEqual(followerDigest, follower.Status.Digest);
        Assert.Equal(follower.Status.Digest, await cluster.NoticeAsync(ConfigNotices.AgentKey(cluster.Namespace, "follower")));
        var pinned = await cluster.AgentAsync("pinned");
        Assert.Equal(pinnedDigest, pinned.Status.Digest);
        Assert.Equal(v1, pinned.Status.ResolvedSkills!.Single().Digest);

        await cluster.ApplyAsync(Skill("1.2.0", "undefinedName"));

        await OperatorCluster.EventuallyAsync(async () => (await cluster.SkillAsync("text-stats")).Status.Conditions.Condition("Validated", out _, out _) == "False", "the invalid edit is rejected");
        var rejected = await cluster.SkillAsync("text-stats");
        Assert.Equal("False", rejected.Status.Conditions.Condition("Ready", out var reason, out var message));
        Assert.Equal("CompilationFailed", reason);
        Assert.Contains("CS0103", message, StringComparison.Ordinal);
        Assert.Contains(rejected.Status.Diagnostics!, d => d.Code == "CS0103" && d.Line == 4 && d.Column > 1);
        Assert.Equal(v2, rejected.Status.PublishedDigest);
        Assert.Equal("True", rejected.Status.Conditions.Condition("Published", out _, out _));
        Assert.Equal(2, await cluster.CountAsync("skill_versions", "text-stats"));
        Assert.Equal(v2, await cluster.NoticeAsync(ConfigNotices.SkillKey(cluster.Namespace, "text-stats")));
        Assert.Equal(v2, (await cluster.AgentAsync("follower")).Status.ResolvedSkills!.Single().Digest);
    }
}
