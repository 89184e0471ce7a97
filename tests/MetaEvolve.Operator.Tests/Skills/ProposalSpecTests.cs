using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using MetaEvolve.Core.Skills;
using MetaEvolve.Core.Skills.Evolution;
using MetaEvolve.Crds;
using MetaEvolve.Crds.Validation;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Operator.Skills;

namespace MetaEvolve.Operator.Tests.Skills;

/// <summary>
/// The hand-off between workers and the operator: the spec a worker stores for an accepted proposal is a valid Skill
/// spec that the API server's defaulting leaves unchanged, and its stored digest is the one the operator computes.
/// </summary>
public sealed class ProposalSpecTests
{
    // The checked-in CRD, as the API server would have it (GeneratedCrdTests keep it equal to the code's).
    private static readonly CustomResourceValidator Skills = new(
        KubernetesYaml.Deserialize<V1CustomResourceDefinition>(File.ReadAllText(RepositoryRoot.Combine("crds", "metaevolve.io_skills.yaml"))), ApiGroup.Version);

    public static TheoryData<string> Proposals => new()
    {
        """{"name":"letter-count","type":"CSharp","description":"Counts letters.","source":"public sealed class C {}","tests":"[{\"name\":\"five\",\"function\":\"Count\",\"arguments\":{\"text\":\"hello\"},\"expect\":{\"equals\":\"5\"}}]"}""",
        """{"name":"summarize","type":"Prompt","template":"Summarize: {{$text}}","inputVariables":"[{\"name\":\"text\"},{\"name\":\"style\",\"default\":\"short\",\"isRequired\":false}]","tests":"[{\"function\":\"summarize\",\"expect\":{\"contains\":\"a\"}}]"}""",
    };

    [Theory]
    [MemberData(nameof(Proposals))]
    public void Stored_spec_is_a_valid_Skill_spec_with_the_operators_digest(string argumentsJson)
    {
        var arguments = JsonNode.Parse(argumentsJson)!.AsObject().ToDictionary(p => p.Key, p => (string?)p.Value);
        var request = SkillProposalRequest.Parse(arguments, out var errors);
        Assert.Empty(errors);
        var spec = request!.ToSpec("1.0.1", "agent-a");

        var skill = new JsonObject
        {
            ["apiVersion"] = ApiGroup.ApiVersion,
            ["kind"] = "Skill",
            ["metadata"] = new JsonObject { ["name"] = request.Name, ["namespace"] = "default" },
            ["spec"] = spec.DeepClone(),
        };
        var validation = Skills.Validate(skill);
        Assert.True(validation.IsValid, validation.ToString());
        // Defaulting added nothing: the Skill the operator creates from the spec has the same content.
        Assert.Equal(SkillDigest.Compute(spec), SkillDigest.Compute(validation.Object["spec"]));

        var typed = KubernetesJson.Deserialize<V1Alpha1SkillSpec>(spec.ToJsonString());
        Assert.Equal(SkillDigest.Compute(spec), SkillSpecDigest.Compute(typed));
        Assert.Equal(SkillAuthor.Agent, typed.Origin!.AuthoredBy);
        Assert.Equal("agent-a", typed.Origin.AgentRef!.Name);
    }
}
