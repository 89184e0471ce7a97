using System.ComponentModel;
using k8s;
using k8s.Models;
using MetaEvolve.Crds.Schema;

namespace MetaEvolve.Crds;

[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KubeKind, PluralName = KubePlural)]
[Description("Skill is a set of functions agents can call: a prompt template, C# code compiled in a sandbox, or the tools of a remote MCP server. Every published version is kept by digest.")]
[ShortNames("sk"), Categories("metaevolve")]
[CelRule(ResourceNames.NameRule, ResourceNames.NameRuleMessage)]
[PrinterColumn(1, "Type", "string", ".spec.type", "Prompt, CSharp or Mcp.")]
[PrinterColumn(2, "Version", "string", ".spec.version", "Declared version.")]
[PrinterColumn(3, "Functions", "string", ".status.functions[*].name", "Functions the skill exposes.")]
[PrinterColumn(4, "Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status", "Whether this version is validated and published.")]
[PrinterColumn(5, "Approval", "string", ".status.approval.state", "For a skill an agent authored under manual approval: Pending, Approved or Rejected.")]
[PrinterColumn(6, "Age", "date", ".metadata.creationTimestamp", "Time since creation.")]
public sealed class V1Alpha1Skill : IKubernetesObject<V1ObjectMeta>, ISpec<V1Alpha1SkillSpec>, IStatus<V1Alpha1SkillStatus>
{
    public const string KubeKind = "Skill";
    public const string KubePlural = "skills";

    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;
    public string Kind { get; set; } = KubeKind;
    public V1ObjectMeta Metadata { get; set; } = new();

    [System.ComponentModel.DataAnnotations.Required]
    [Description("Desired state of the skill.")]
    public V1Alpha1SkillSpec Spec { get; set; } = new();

    [Description("Observed state of the skill, written by the operator.")]
    public V1Alpha1SkillStatus Status { get; set; } = new();
}
