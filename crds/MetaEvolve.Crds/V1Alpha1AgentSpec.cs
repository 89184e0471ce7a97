using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using MetaEvolve.Crds.Schema;

namespace MetaEvolve.Crds;

[CelRule("!(has(self.instructions) && has(self.instructionsFrom))", "instructions and instructionsFrom are mutually exclusive", FieldPath = ".instructionsFrom")]
[CelRule("!has(self.budget) || !has(self.budget.maxCostPerDay) || (has(self.model) && has(self.model.pricing))",
    "budget.maxCostPerDay needs spec.model.pricing: cost is derived from the model's token prices", FieldPath = ".budget.maxCostPerDay")]
public sealed class V1Alpha1AgentSpec
{
    [Required]
    [Description("AgentPool whose workers run this agent's tasks.")]
    public LocalObjectReference PoolRef { get; set; } = new();

    [MaxLength(1024)]
    [Description("What the agent is for, shown to people and to other agents.")]
    public string? Description { get; set; }

    [MaxLength(65_536)]
    [Description("System instructions of the agent. Mutually exclusive with instructionsFrom.")]
    public string? Instructions { get; set; }

    [Description("Reads the system instructions from a ConfigMap or Secret key. Mutually exclusive with instructions.")]
    public InstructionsSource? InstructionsFrom { get; set; }

    [Description("The chat model. Without one, the agent runs direct skill calls only.")]
    public AgentModel? Model { get; set; }

    [MaxLength(64)]
    [ListMapKeys("name")]
    [Description("Skills the agent may call, as tools in chat and as direct calls.")]
    public IList<AgentSkillReference>? Skills { get; set; }

    [SchemaDefault("{}")]
    [Description("Conversation memory kept per thread.")]
    public AgentMemory? Memory { get; set; }

    [Range(1, 64), SchemaDefault(AgentDefaults.MaxIterations)]
    [Description("Most model round trips (tool-calling iterations) one chat task may take.")]
    public int? MaxIterations { get; set; }

    [SchemaDefault("{}")]
    [Description("Whether and how the agent may author new skills.")]
    public AgentEvolution? Evolution { get; set; }

    [Description("Token and cost limits per task and per UTC day, enforced by the workers on every model call; status.usage shows today's use.")]
    public AgentBudget? Budget { get; set; }

    [MaxLength(64)]
    [Description("Functions that wait for a person's approval before they run, as \"<skill>.<function>\" or \"<skill>.*\" "
        + "(every function of the skill). When the model calls one, or a direct call names one, the task parks as awaiting_approval "
        + "and frees its worker; `metaevolve tasks approve <id>` runs the call and continues, `metaevolve tasks reject <id> --reason ...` "
        + "tells the model the call was refused and why.")]
    public IList<string>? RequireApproval { get; set; }

    [Range(1, 2_592_000), SchemaDefault(AgentDefaults.ApprovalTimeoutSeconds)]
    [Description("Seconds a task may wait for approval of a call (spec.requireApproval) before it fails. Waiting does not count against the task's timeoutSeconds.")]
    public int? ApprovalTimeoutSeconds { get; set; }
}

[CelRule("has(self.configMapKeyRef) != has(self.secretKeyRef)", "exactly one of configMapKeyRef or secretKeyRef must be set")]
public sealed class InstructionsSource
{
    [Description("A key of a ConfigMap in the agent's namespace.")]
    public KeyReference? ConfigMapKeyRef { get; set; }

    [Description("A key of a Secret in the agent's namespace.")]
    public KeyReference? SecretKeyRef { get; set; }
}

public sealed class AgentSkillReference
{
    [Required, MaxLength(ResourceNames.MaxLength), RegularExpression(ResourceNames.LabelPattern)]
    [Description("Name of a Skill in the agent's namespace.")]
    public string Name { get; set; } = "";

    [MaxLength(64)]
    [Description("Pins a published spec.version of the skill. Without it the agent follows the skill's latest published version.")]
    public string? Version { get; set; }
}

public sealed class AgentMemory
{
    [Range(1, 1_000), SchemaDefault(AgentDefaults.MaxTurns)]
    [Description("Most conversation turns kept per thread; older turns are dropped first.")]
    public int? MaxTurns { get; set; }

    [Range(1, 31_536_000), SchemaDefault(AgentDefaults.TtlSeconds)]
    [Description("Seconds a thread's history is kept after its last turn.")]
    public int? TtlSeconds { get; set; }
}

/// <summary>Who approves a skill an agent authored.</summary>
public enum SkillApproval
{
    /// <summary>A person approves each authored skill before it is published.</summary>
    Manual,

    /// <summary>A skill that compiles and passes its tests is published without a person.</summary>
    Auto,
}

public sealed class AgentEvolution
{
    [SchemaDefault(AgentDefaults.EvolutionEnabled)]
    [Description("Lets the agent author new skills.")]
    public bool? Enabled { get; set; }

    [SchemaDefault(AgentDefaults.EvolutionApproval)]
    [Description("Manual waits for a person to approve each authored skill; Auto publishes one that compiles and passes its tests.")]
    public SkillApproval? Approval { get; set; }

    [Range(0, 100), SchemaDefault(AgentDefaults.MaxAuthoredSkills)]
    [Description("Most skills the agent may author.")]
    public int? MaxAuthoredSkills { get; set; }

    [Range(1, 1000), SchemaDefault(AgentDefaults.MaxProposalsPerHour)]
    [Description("Most skill proposals the agent may make in an hour; more are refused (RateLimited) without being checked.")]
    public int? MaxProposalsPerHour { get; set; }

    [SchemaDefault(AgentDefaults.UseAuthoredSkills)]
    [Description("Lets the agent call the published skills it authored without listing them in spec.skills (it follows their latest version).")]
    public bool? UseAuthoredSkills { get; set; }
}
