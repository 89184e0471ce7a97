using k8s.Models;
using MetaEvolve.Core.Skills.Evolution;
using MetaEvolve.Crds;
using MetaEvolve.Crds.Labels;
using MetaEvolve.Operator.Evolution;
using MetaEvolve.Operator.Skills;

namespace MetaEvolve.Operator.Tests.Skills;

public class SkillApprovalGateTests
{
    private const string Digest = "sha256:aaaa";

    private static V1Alpha1Skill Skill(SkillOrigin? origin, Dictionary<string, string>? annotations = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "greeter", NamespaceProperty = "default", Generation = 3, Annotations = annotations },
        Spec = new V1Alpha1SkillSpec { Type = SkillType.Prompt, Version = "1.0.0", Prompt = new PromptSkill { Template = "Hi {{$name}}" }, Origin = origin },
    };

    private static SkillOrigin ByAgent(string name) => new() { AuthoredBy = SkillAuthor.Agent, AgentRef = new LocalObjectReference { Name = name } };

    private static V1Alpha1Agent Agent(SkillApproval? approval) => new()
    {
        Metadata = new V1ObjectMeta { Name = "writer", NamespaceProperty = "default" },
        Spec = new V1Alpha1AgentSpec { Evolution = new AgentEvolution { Enabled = true, Approval = approval } },
    };

    [Fact]
    public void Only_skills_an_agent_authored_under_manual_approval_wait_and_a_missing_agent_counts_as_manual()
    {
        Assert.True(SkillApprovalGate.Applies(Skill(ByAgent("writer")), Agent(SkillApproval.Manual)));
        Assert.True(SkillApprovalGate.Applies(Skill(ByAgent("writer")), Agent(null)));
        Assert.True(SkillApprovalGate.Applies(Skill(ByAgent("writer")), null));
        Assert.False(SkillApprovalGate.Applies(Skill(ByAgent("writer")), Agent(SkillApproval.Auto)));
        Assert.False(SkillApprovalGate.Applies(Skill(null), Agent(SkillApproval.Manual)));
        Assert.False(SkillApprovalGate.Applies(Skill(new SkillOrigin { AuthoredBy = SkillAuthor.Human }), Agent(SkillApproval.Manual)));
    }

    [Fact]
    public void An_annotation_decides_only_about_the_digest_it_names_and_reject_wins_over_approve()
    {
        Assert.Equal(ApprovalDecision.None, SkillApprovalGate.Decision(Skill(ByAgent("writer")), Digest));
        Assert.Equal(ApprovalDecision.None, SkillApprovalGate.Decision(Skill(ByAgent("writer"), new() { [AuthoredSkillKeys.Approve] = "sha256:other" }), Digest));
        Assert.Equal(ApprovalDecision.Approve, SkillApprovalGate.Decision(Skill(ByAgent("writer"), new() { [AuthoredSkillKeys.Approve] = Digest }), Digest));
        Assert.Equal(ApprovalDecision.Reject, SkillApprovalGate.Decision(Skill(ByAgent("writer"), new() { [AuthoredSkillKeys.Reject] = Digest }), Digest));
        Assert.Equal(ApprovalDecision.Reject, SkillApprovalGate.Decision(Skill(ByAgent("writer"), new() { [AuthoredSkillKeys.Approve] = Digest, [AuthoredSkillKeys.Reject] = Digest }), Digest));
    }

    [Fact]
    public void A_pending_digest_keeps_its_status_and_names_the_served_version_until_someone_decides()
    {
        var skill = Skill(ByAgent("writer"));
        skill.Status = new V1Alpha1SkillStatus { PublishedDigest = "sha256:old", PublishedVersion = "0.9.0" };
        var now = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

        var pending = SkillStatusBuilder.AwaitingApproval(skill, Digest, now);

        Assert.Equal(SkillApprovalState.Pending, pending.Approval?.State);
        Assert.Equal(Digest, pending.Approval?.Digest);
        Assert.Equal("sha256:old", pending.PublishedDigest);
        Assert.Equal("0.9.0", pending.PublishedVersion);
        var published = Assert.Single(pending.Conditions!, c => c.Type == ConditionTypes.Published);
        Assert.Equal(("False", ConditionReasons.AwaitingApproval), (published.Status, published.Reason));
        Assert.Contains("0.9.0", published.Message, StringComparison.Ordinal);

        skill.Status = pending;
        skill.Status.ObservedGeneration = skill.Metadata.Generation;
        Assert.True(SkillApprovalGate.AlreadyAnswered(skill, Digest));
        Assert.Equal(now, SkillStatusBuilder.AwaitingApproval(skill, Digest, now.AddMinutes(5)).Approval?.At);
        skill.Metadata.Annotations = new Dictionary<string, string> { [AuthoredSkillKeys.Approve] = Digest };
        Assert.False(SkillApprovalGate.AlreadyAnswered(skill, Digest));
    }

    [Fact]
    public void A_name_belongs_to_whoever_wrote_the_skill()
    {
        Assert.Null(AuthoredSkill.Refusal(null, "writer"));
        Assert.Null(AuthoredSkill.Refusal(Skill(ByAgent("writer")), "writer"));
        Assert.Equal(ProposalRefusals.NameOwnedByOtherAgent, AuthoredSkill.Refusal(Skill(ByAgent("someone-else")), "writer")?.Reason);
        Assert.Equal(ProposalRefusals.NameOwnedByHuman, AuthoredSkill.Refusal(Skill(null), "writer")?.Reason);
        Assert.Equal(ProposalRefusals.NameOwnedByHuman, AuthoredSkill.Refusal(Skill(new SkillOrigin { AuthoredBy = SkillAuthor.Human }), "writer")?.Reason);
    }

    [Fact]
    public void The_written_skill_names_the_proposing_agent_whatever_the_spec_said()
    {
        var spec = Skill(new SkillOrigin { AuthoredBy = SkillAuthor.Human }).Spec;

        var desired = AuthoredSkill.Desired("default", "greeter", "writer", spec, null);

        Assert.Equal(SkillAuthor.Agent, desired.Spec.Origin?.AuthoredBy);
        Assert.Equal("writer", desired.Spec.Origin?.AgentRef?.Name);
        Assert.Equal("writer", desired.Metadata.Labels[AuthoredSkillKeys.AuthoredBy]);
    }
}
