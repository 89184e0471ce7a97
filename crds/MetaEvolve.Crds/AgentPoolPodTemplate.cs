using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using k8s.Models;
using MetaEvolve.Crds.Schema;

namespace MetaEvolve.Crds;

/// <summary>The parts of a pod template a pool owner may set; the operator owns the rest (command, probes, security).</summary>
public sealed class AgentPoolPodTemplate
{
    [Description("Compute resources of the agent-runtime container.")]
    public V1ResourceRequirements? Resources { get; set; }

    [ListMapKeys("name")]
    [Description("Extra environment variables of the agent-runtime container.")]
    public IList<V1EnvVar>? Env { get; set; }

    [Description("Sources (ConfigMaps, Secrets) whose keys become environment variables of the container.")]
    public IList<V1EnvFromSource>? EnvFrom { get; set; }

    [Description("Node labels a node must carry to run the workers.")]
    public IDictionary<string, string>? NodeSelector { get; set; }

    [Description("Taints the workers tolerate.")]
    public IList<V1Toleration>? Tolerations { get; set; }

    [Description("Node and pod affinity rules of the workers.")]
    public V1Affinity? Affinity { get; set; }

    [MaxLength(253)]
    [Description("ServiceAccount the workers run as. Defaults to the namespace's default ServiceAccount.")]
    public string? ServiceAccountName { get; set; }

    [Description("Secrets used to pull the worker image.")]
    public IList<V1LocalObjectReference>? ImagePullSecrets { get; set; }

    [Description("Annotations added to every worker pod.")]
    public IDictionary<string, string>? Annotations { get; set; }

    [Description("Labels added to every worker pod.")]
    public IDictionary<string, string>? Labels { get; set; }

    [Range(0, 86_400), SchemaDefault(AgentPoolDefaults.TerminationGracePeriodSeconds)]
    [Description("Seconds a stopping worker has to finish its in-flight tasks before it is killed.")]
    public long? TerminationGracePeriodSeconds { get; set; }
}
