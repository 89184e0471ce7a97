using k8s.Models;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Agents;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Tests.Agents;

public class AgentProjectionTests
{
    private static readonly DateTime Now = new(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);

    private static V1Alpha1Agent Agent() => new()
    {
        Metadata = new V1ObjectMeta { Name = "assistant", NamespaceProperty = "default", Generation = 1 },
        Spec = new V1Alpha1AgentSpec
        {
            PoolRef = new LocalObjectReference { Name = "general" },
            InstructionsFrom = new InstructionsSource { ConfigMapKeyRef = new KeyReference { Name = "prompts", Key = "assistant" } },
            Model = new AgentModel { Provider = ModelProvider.OpenAI, Model = "gpt-4o-mini", ApiKeySecretRef = new KeyReference { Name = "openai", Key = "apiKey" } },
            Skills = [new AgentSkillReference { Name = "text-stats" }],
        },
    };

    private static AgentResolution Resolved(string skillDigest) =>
        new("Be brief.", [new ResolvedSkill { Name = "text-stats", Version = "1.0.0", Digest = skillDigest }], null);

    [Fact]
    public void The_store_gets_resolved_instructions_and_skill_digests_but_no_secret_location()
    {
        var projection = AgentProjection.Build(Agent(), Resolved("sha256:a"));

        Assert.Contains("\"instructions\":\"Be brief.\"", projection.SpecJson, StringComparison.Ordinal);
        Assert.DoesNotContain("instructionsFrom", projection.SpecJson, StringComparison.Ordinal);
        Assert.DoesNotContain("apiKeySecretRef", projection.SpecJson, StringComparison.Ordinal);
        Assert.Contains("sha256:a", projection.ResolvedSkillsJson, StringComparison.Ordinal);
        Assert.Equal("general", projection.Pool);
    }

    [Fact]
    public void A_new_skill_version_changes_the_agent_digest()
    {
        Assert.NotEqual(AgentProjection.Build(Agent(), Resolved("sha256:a")).Digest, AgentProjection.Build(Agent(), Resolved("sha256:b")).Digest);
        Assert.Equal(AgentProjection.Build(Agent(), Resolved("sha256:a")).Digest, AgentProjection.Build(Agent(), Resolved("sha256:a")).Digest);
    }

    [Fact]
    public void A_missing_reference_is_not_ready_names_it_and_keeps_the_last_digest()
    {
        var agent = Agent();
        var projection = AgentProjection.Build(agent, Resolved("sha256:a"));
        agent.Status = AgentStatusBuilder.Projected(agent, projection, Resolved("sha256:a").Skills, Now);

        var status = AgentStatusBuilder.Unresolved(agent, new AgentProblem(ConditionReasons.SecretNotFound, "Secret openai (spec.model.apiKeySecretRef) does not exist in namespace default"), Now);

        var ready = Conditions.Find(status.Conditions, ConditionTypes.Ready)!;
        Assert.Equal(("False", ConditionReasons.SecretNotFound), (ready.Status, ready.Reason));
        Assert.Contains("Secret openai", ready.Message, StringComparison.Ordinal);
        Assert.Equal(projection.Digest, status.Digest);
    }
}
