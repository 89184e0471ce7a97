using k8s.Models;

namespace MetaEvolve.Crds.Generation;

/// <summary>
/// Required fields of the upstream types used under spec.template and status. KubernetesClient's models
/// carry upstream's types and descriptions but not its `required` lists, so they are restated here from
/// the Kubernetes OpenAPI definitions; a type missing from this table has no required fields.
/// </summary>
public static class UpstreamRequiredFields
{
    private static readonly Dictionary<Type, string[]> Required = new()
    {
        [typeof(V1EnvVar)] = ["name"],
        [typeof(V1ConfigMapKeySelector)] = ["key"],
        [typeof(V1SecretKeySelector)] = ["key"],
        [typeof(V1FileKeySelector)] = ["key", "path", "volumeName"],
        [typeof(V1ObjectFieldSelector)] = ["fieldPath"],
        [typeof(V1ResourceFieldSelector)] = ["resource"],
        [typeof(Corev1ResourceClaim)] = ["name"],
        [typeof(V1NodeSelector)] = ["nodeSelectorTerms"],
        [typeof(V1NodeSelectorRequirement)] = ["key", "operator"],
        [typeof(V1PreferredSchedulingTerm)] = ["weight", "preference"],
        [typeof(V1WeightedPodAffinityTerm)] = ["weight", "podAffinityTerm"],
        [typeof(V1PodAffinityTerm)] = ["topologyKey"],
        [typeof(V1LabelSelectorRequirement)] = ["key", "operator"],
        [typeof(V2HPAScalingPolicy)] = ["type", "value", "periodSeconds"],
        [typeof(V1Condition)] = ["type", "status", "lastTransitionTime", "reason", "message"],
    };

    public static IReadOnlyList<string> For(Type type) => Required.GetValueOrDefault(type) ?? [];
}
