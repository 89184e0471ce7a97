using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Semantics;

namespace MetaEvolve.DevCluster.Autoscaling;

/// <summary>
/// The HPA's conditions as upstream's setCondition keeps them: a condition's lastTransitionTime
/// changes only when its status does; order AbleToScale, ScalingActive, ScalingLimited.
/// </summary>
public sealed class HpaConditions(JsonArray? existing, DateTimeOffset now)
{
    private static readonly string[] Order = ["AbleToScale", "ScalingActive", "ScalingLimited"];
    private readonly Dictionary<string, JsonObject> _conditions = (existing?.OfType<JsonObject>() ?? [])
        .Where(c => c["type"] is not null)
        .ToDictionary(c => (string)c["type"]!, c => c.DeepClone().AsObject(), StringComparer.Ordinal);

    public void Set(HpaCondition condition) => Set(condition.Type, condition.Status, condition.Reason, condition.Message);

    public void Set(string type, string status, string reason, string message)
    {
        var transition = _conditions.TryGetValue(type, out var old) && (string?)old["status"] == status
            ? (string?)old["lastTransitionTime"]
            : ObjectMeta.Timestamp(now);
        _conditions[type] = new JsonObject
        {
            ["type"] = type,
            ["status"] = status,
            ["lastTransitionTime"] = transition,
            ["reason"] = reason,
            ["message"] = message,
        };
    }

    public string? Reason(string type) => _conditions.TryGetValue(type, out var c) ? (string?)c["reason"] : null;

    public JsonArray ToJson() => new(_conditions.Values
        .OrderBy(c => Array.IndexOf(Order, (string?)c["type"]) is var i && i < 0 ? int.MaxValue : i)
        .Select(c => (JsonNode)c.DeepClone()).ToArray());
}
