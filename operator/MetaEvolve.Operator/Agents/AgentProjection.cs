using System.Text.Json.Nodes;
using k8s;
using MetaEvolve.Core.Skills;
using MetaEvolve.Crds;

namespace MetaEvolve.Operator.Agents;

/// <summary>
/// The agent as the store keeps it: its spec with instructions resolved, the exact skill versions it uses, and a
/// digest over both (so a new skill version an agent follows changes the agent's digest and reloads it). The
/// namespace's daily ceiling goes with it as <c>namespaceBudget</c>, so workers enforce it and reload when it changes. Pure.
/// </summary>
public sealed record AgentProjection(string Pool, string Digest, string SpecJson, string ResolvedSkillsJson)
{
    public static AgentProjection Build(V1Alpha1Agent agent, AgentResolution resolution, NamespaceBudget? namespaceBudget = null)
    {
        ArgumentNullException.ThrowIfNull(agent);
        ArgumentNullException.ThrowIfNull(resolution);
        var spec = JsonNode.Parse(KubernetesJson.Serialize(agent.Spec))!.AsObject();
        spec.Remove("instructionsFrom");
        spec["instructions"] = resolution.Instructions;
        // The key's location is for the Deployment; the worker finds the value in its environment.
        if (spec["model"] is JsonObject model)
        {
            model.Remove("apiKeySecretRef");
            model["hasApiKey"] = agent.Spec.Model?.ApiKeySecretRef is not null;
        }

        if (namespaceBudget is { IsEmpty: false })
        {
            var ceiling = new JsonObject();
            if (namespaceBudget.MaxTokensPerDay is { } tokens)
            {
                ceiling["maxTokensPerDay"] = tokens;
            }

            if (namespaceBudget.MaxCostPerDay is { } cost)
            {
                ceiling["maxCostPerDay"] = cost;
            }

            spec["namespaceBudget"] = ceiling;
        }

        var skills = new JsonArray([.. resolution.Skills.Select(s => (JsonNode)new JsonObject
        {
            ["name"] = s.Name,
            ["version"] = s.Version,
            ["digest"] = s.Digest,
        })]);
        var digest = SkillDigest.Compute(new JsonObject
        {
            ["pool"] = agent.Spec.PoolRef.Name,
            ["spec"] = spec.DeepClone(),
            ["resolvedSkills"] = skills.DeepClone(),
        });
        return new AgentProjection(agent.Spec.PoolRef.Name, digest, spec.ToJsonString(), skills.ToJsonString());
    }
}
