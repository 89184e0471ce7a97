using System.ComponentModel;
using k8s.Models;

namespace MetaEvolve.Crds;

public sealed class V1Alpha1SkillStatus
{
    [Description("The metadata.generation this status describes.")]
    public long? ObservedGeneration { get; set; }

    [Description("sha256 of the normalized spec; the key of the stored version.")]
    public string? Digest { get; set; }

    [Description("Digest of the version agents that follow the latest currently get; differs from digest while an invalid edit is rejected or an authored edit awaits approval.")]
    public string? PublishedDigest { get; set; }

    [Description("spec.version of the version agents that follow the latest currently get.")]
    public string? PublishedVersion { get; set; }

    [Description("For a skill an agent authored whose agent has evolution.approval Manual: the decision on the latest digest.")]
    public SkillApprovalStatus? Approval { get; set; }

    [Description("Functions the skill exposes.")]
    public IList<SkillFunction>? Functions { get; set; }

    [Description("Problems found validating or compiling the skill, with their position in the source.")]
    public IList<SkillDiagnostic>? Diagnostics { get; set; }

    [Description("Current state: Validated, Published and Ready.")]
    public IList<V1Condition>? Conditions { get; set; }
}

public sealed class SkillFunction
{
    [Description("Function name.")]
    public string? Name { get; set; }

    [Description("What the function does.")]
    public string? Description { get; set; }

    [Description("Parameter names, in order.")]
    public IList<string>? Parameters { get; set; }

    [Description("Parameters callers must give; listed for Mcp skills from the tool's input schema.")]
    public IList<string>? Required { get; set; }
}

/// <summary>Severity of a skill diagnostic.</summary>
public enum DiagnosticSeverity
{
    Error,
    Warning,
    Info,
}

public sealed class SkillDiagnostic
{
    [Description("Error, Warning or Info.")]
    public DiagnosticSeverity? Severity { get; set; }

    [Description("Stable diagnostic code, such as a compiler code (CS0103) or a sandbox policy code (ME0001).")]
    public string? Code { get; set; }

    [Description("1-based line in the template or source.")]
    public int? Line { get; set; }

    [Description("1-based column in the template or source.")]
    public int? Column { get; set; }

    [Description("What is wrong.")]
    public string? Message { get; set; }
}
