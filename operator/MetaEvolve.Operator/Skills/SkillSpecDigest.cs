using System.Text.Json.Nodes;
using k8s;
using MetaEvolve.Core.Skills;
using MetaEvolve.Crds;

namespace MetaEvolve.Operator.Skills;

/// <summary>The content address of a Skill's spec, computed by core's <see cref="SkillDigest"/> over its Kubernetes JSON.</summary>
public static class SkillSpecDigest
{
    public static string Compute(V1Alpha1SkillSpec spec) => SkillDigest.Compute(Json(spec));

    public static JsonNode Json(V1Alpha1SkillSpec spec) => JsonNode.Parse(KubernetesJson.Serialize(spec))!;
}
