using System.Text.Json.Nodes;
using MetaEvolve.Crds;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// An agent as a worker runs it: the operator's projection in the store (<c>agents.spec</c>, Kubernetes JSON)
/// read into what execution needs. <c>spec.instructionsFrom</c> is the operator's to resolve: it writes the
/// text it read into <c>spec.instructions</c> of the projection, so workers never read ConfigMaps or Secrets.
/// </summary>
public sealed record AgentDefinition
{
    public required string Namespace { get; init; }
    public required string Name { get; init; }
    public required string Pool { get; init; }
    public required string Digest { get; init; }
    public string? Instructions { get; init; }
    public ModelSettings? Model { get; init; }
    public int MaxIterations { get; init; } = AgentDefaults.MaxIterations;
    public int MaxTurns { get; init; } = AgentDefaults.MaxTurns;
    public int TtlSeconds { get; init; } = AgentDefaults.TtlSeconds;
    public IReadOnlyList<AgentSkillReference> Skills { get; init; } = [];
    public AgentEvolutionSettings Evolution { get; init; } = AgentEvolutionSettings.Default;

    /// <summary><c>spec.requireApproval</c> and <c>spec.approvalTimeoutSeconds</c>.</summary>
    public ApprovalPolicy Approval { get; init; } = ApprovalPolicy.None;

    /// <summary><c>spec.budget</c> and the namespace's daily ceiling the operator projected beside it.</summary>
    public BudgetLimits Budget { get; init; } = BudgetLimits.None;

    /// <summary>Skill name → digest the operator resolved (<c>agents.resolved_skills</c>); pinned skills use it.</summary>
    public IReadOnlyDictionary<string, string> ResolvedDigests { get; init; } = new Dictionary<string, string>();

    /// <summary>Reads the stored spec; the schema's defaults (<see cref="AgentDefaults"/>) apply to fields the projection left out.</summary>
    public static AgentDefinition Parse(string ns, string name, string pool, string digest, string specJson)
    {
        var spec = JsonNode.Parse(specJson) as JsonObject ?? [];
        var memory = spec["memory"] as JsonObject;
        return new AgentDefinition
        {
            Namespace = ns,
            Name = name,
            Pool = pool,
            Digest = digest,
            Instructions = (string?)spec["instructions"],
            Model = spec["model"] is JsonObject model ? ModelSettings.Parse(model) : null,
            MaxIterations = (int?)spec["maxIterations"] ?? AgentDefaults.MaxIterations,
            MaxTurns = (int?)memory?["maxTurns"] ?? AgentDefaults.MaxTurns,
            TtlSeconds = (int?)memory?["ttlSeconds"] ?? AgentDefaults.TtlSeconds,
            Skills = spec["skills"] is JsonArray skills
                ? [.. skills.OfType<JsonObject>().Select(s => new AgentSkillReference((string?)s["name"] ?? "", (string?)s["version"]))]
                : [],
            Evolution = AgentEvolutionSettings.Parse(spec["evolution"] as JsonObject),
            Approval = ApprovalPolicy.Parse(spec["requireApproval"] as JsonArray, (int?)spec["approvalTimeoutSeconds"]),
            Budget = BudgetLimits.Parse(spec["budget"] as JsonObject, spec["namespaceBudget"] as JsonObject),
        };
    }
}

/// <summary>A skill the agent may call; <see cref="Version"/> pins a published spec.version, null follows the latest.</summary>
public sealed record AgentSkillReference(string Name, string? Version);
