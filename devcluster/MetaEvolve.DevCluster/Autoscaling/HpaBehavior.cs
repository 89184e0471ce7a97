using System.Text.Json.Nodes;

namespace MetaEvolve.DevCluster.Autoscaling;

/// <summary>One <c>behavior.scaleUp/scaleDown.policies[]</c> entry: <c>Pods</c> or <c>Percent</c> per period.</summary>
public sealed record ScalingPolicy(string Type, int Value, int PeriodSeconds);

/// <summary><c>HPAScalingRules</c> after defaulting; a null window means "the controller's default" (scale down).</summary>
public sealed record ScalingRules(int? StabilizationWindowSeconds, string SelectPolicy, IReadOnlyList<ScalingPolicy> Policies);

/// <summary>
/// <c>spec.behavior</c> with the API server's defaults filled in (SetDefaults_HorizontalPodAutoscalerBehavior):
/// scale up without a window, Max of 4 pods or 100 % per 15 s; scale down Max of 100 % per 15 s with the
/// controller's window (300 s unless configured otherwise).
/// </summary>
public sealed record HpaBehavior(ScalingRules ScaleUp, ScalingRules ScaleDown)
{
    public static ScalingRules DefaultScaleUp { get; } =
        new(0, "Max", [new ScalingPolicy("Pods", 4, 15), new ScalingPolicy("Percent", 100, 15)]);

    public static ScalingRules DefaultScaleDown { get; } = new(null, "Max", [new ScalingPolicy("Percent", 100, 15)]);

    /// <summary>Null when the HPA has no <c>spec.behavior</c> (then the controller uses its legacy normalization).</summary>
    public static HpaBehavior? Parse(JsonNode? behavior)
    {
        if (behavior is not JsonObject b)
        {
            return null;
        }

        return new HpaBehavior(Rules(b["scaleUp"], DefaultScaleUp), Rules(b["scaleDown"], DefaultScaleDown));
    }

    private static ScalingRules Rules(JsonNode? node, ScalingRules defaults)
    {
        if (node is not JsonObject rules)
        {
            return defaults;
        }

        var policies = rules["policies"] is JsonArray list
            ? list.OfType<JsonObject>().Select(p => new ScalingPolicy(
                (string?)p["type"] ?? "Pods", p["value"]?.GetValue<int>() ?? 0, p["periodSeconds"]?.GetValue<int>() ?? 15)).ToList()
            : defaults.Policies;
        return new ScalingRules(
            rules["stabilizationWindowSeconds"]?.GetValue<int>() ?? defaults.StabilizationWindowSeconds,
            (string?)rules["selectPolicy"] ?? defaults.SelectPolicy,
            policies);
    }
}
