using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

namespace MetaEvolve.Operator.Keda;

/// <summary>
/// The part of KEDA's <c>keda.sh/v1alpha1</c> ScaledObject the operator writes and reads. KEDA is optional, so its
/// types are ours rather than a package's; fields KEDA adds on the server are kept out of the comparison by the
/// config-hash annotation.
/// </summary>
[KubernetesEntity(Group = Group, ApiVersion = Version, Kind = KubeKind, PluralName = Plural)]
public sealed class KedaScaledObject : IKubernetesObject<V1ObjectMeta>
{
    public const string Group = "keda.sh";
    public const string Version = "v1alpha1";
    public const string Plural = "scaledobjects";
    public const string KubeKind = "ScaledObject";

    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = $"{Group}/{Version}";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = KubeKind;

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public KedaScaledObjectSpec Spec { get; set; } = new();

    [JsonPropertyName("status")]
    public KedaScaledObjectStatus? Status { get; set; }
}

public sealed class KedaScaledObjectSpec
{
    [JsonPropertyName("scaleTargetRef")]
    public KedaScaleTarget ScaleTargetRef { get; set; } = new();

    [JsonPropertyName("minReplicaCount")]
    public int? MinReplicaCount { get; set; }

    [JsonPropertyName("maxReplicaCount")]
    public int? MaxReplicaCount { get; set; }

    [JsonPropertyName("cooldownPeriod")]
    public int? CooldownPeriod { get; set; }

    [JsonPropertyName("pollingInterval")]
    public int? PollingInterval { get; set; }

    [JsonPropertyName("advanced")]
    public KedaAdvanced? Advanced { get; set; }

    [JsonPropertyName("triggers")]
    public IList<KedaTrigger> Triggers { get; set; } = [];
}

public sealed class KedaScaleTarget
{
    [JsonPropertyName("apiVersion")]
    public string? ApiVersion { get; set; }

    [JsonPropertyName("kind")]
    public string? Kind { get; set; }

    [JsonPropertyName("name")]
    public string Name { get; set; } = "";
}

public sealed class KedaAdvanced
{
    [JsonPropertyName("horizontalPodAutoscalerConfig")]
    public KedaHpaConfig? HorizontalPodAutoscalerConfig { get; set; }
}

public sealed class KedaHpaConfig
{
    [JsonPropertyName("behavior")]
    public V2HorizontalPodAutoscalerBehavior? Behavior { get; set; }
}

public sealed class KedaTrigger
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    [JsonPropertyName("metadata")]
    public IDictionary<string, string> Metadata { get; set; } = new Dictionary<string, string>();
}

public sealed class KedaScaledObjectStatus
{
    [JsonPropertyName("conditions")]
    public IList<KedaCondition>? Conditions { get; set; }
}

/// <summary>KEDA's conditions (Ready, Active, Fallback, Paused) have no observedGeneration or lastTransitionTime.</summary>
public sealed class KedaCondition
{
    [JsonPropertyName("type")]
    public string Type { get; set; } = "";

    [JsonPropertyName("status")]
    public string Status { get; set; } = "";

    [JsonPropertyName("reason")]
    public string? Reason { get; set; }

    [JsonPropertyName("message")]
    public string? Message { get; set; }
}
