using System.ComponentModel;
using k8s;
using k8s.Models;
using MetaEvolve.Crds.Schema;

namespace MetaEvolve.Crds;

[KubernetesEntity(Group = ApiGroup.Group, ApiVersion = ApiGroup.Version, Kind = KubeKind, PluralName = KubePlural)]
[Description("Agent declares an AI agent: its instructions, model, skills and memory, and the AgentPool whose workers run its tasks.")]
[ShortNames("ag"), Categories("metaevolve")]
[CelRule(ResourceNames.NameRule, ResourceNames.NameRuleMessage)]
[PrinterColumn(1, "Pool", "string", ".spec.poolRef.name", "AgentPool that runs the agent's tasks.")]
[PrinterColumn(2, "Model", "string", ".spec.model.model", "Model the agent chats with.")]
[PrinterColumn(3, "Skills", "string", ".spec.skills[*].name", "Skills the agent may call.")]
[PrinterColumn(4, "Ready", "string", ".status.conditions[?(@.type==\"Ready\")].status", "Whether the agent is resolved and projected into the store.")]
[PrinterColumn(5, "Tokens", "integer", ".status.usage.tokens", "Model tokens the agent used today (UTC).")]
[PrinterColumn(6, "Age", "date", ".metadata.creationTimestamp", "Time since creation.")]
public sealed class V1Alpha1Agent : IKubernetesObject<V1ObjectMeta>, ISpec<V1Alpha1AgentSpec>, IStatus<V1Alpha1AgentStatus>
{
    public const string KubeKind = "Agent";
    public const string KubePlural = "agents";

    public string ApiVersion { get; set; } = ApiGroup.ApiVersion;
    public string Kind { get; set; } = KubeKind;
    public V1ObjectMeta Metadata { get; set; } = new();

    [System.ComponentModel.DataAnnotations.Required]
    [Description("Desired state of the agent.")]
    public V1Alpha1AgentSpec Spec { get; set; } = new();

    [Description("Observed state of the agent, written by the operator.")]
    public V1Alpha1AgentStatus Status { get; set; } = new();
}
