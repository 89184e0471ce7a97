using k8s.Models;

namespace MetaEvolve.Operator.Runtime;

/// <summary>
/// metav1.Condition bookkeeping: a condition keeps its lastTransitionTime while its status stays the same, so
/// recomputing identical conditions yields an identical status (and no write).
/// </summary>
public static class Conditions
{
    public const string True = "True";
    public const string False = "False";
    public const string Unknown = "Unknown";

    /// <summary>Returns <paramref name="existing"/> with the condition set; other conditions are kept as they are.</summary>
    public static List<V1Condition> Set(IEnumerable<V1Condition>? existing, string type, bool status, string reason, string message, long? generation, DateTime now) =>
        Set(existing, type, status ? True : False, reason, message, generation, now);

    public static List<V1Condition> Set(IEnumerable<V1Condition>? existing, string type, string status, string reason, string message, long? generation, DateTime now)
    {
        var list = existing?.Select(Copy).ToList() ?? [];
        var index = list.FindIndex(c => c.Type == type);
        var previous = index >= 0 ? list[index] : null;
        var condition = new V1Condition
        {
            Type = type,
            Status = status,
            Reason = reason,
            Message = message,
            ObservedGeneration = generation,
            LastTransitionTime = previous is not null && previous.Status == status ? previous.LastTransitionTime : Truncate(now),
        };
        if (index >= 0)
        {
            list[index] = condition;
        }
        else
        {
            list.Add(condition);
        }

        return list;
    }

    /// <summary>Removes a condition type (e.g. Stalled once the cause is gone).</summary>
    public static List<V1Condition> Remove(IEnumerable<V1Condition>? existing, string type) =>
        existing?.Where(c => c.Type != type).Select(Copy).ToList() ?? [];

    public static V1Condition? Find(IEnumerable<V1Condition>? conditions, string type) => conditions?.FirstOrDefault(c => c.Type == type);

    public static bool IsTrue(IEnumerable<V1Condition>? conditions, string type) => Find(conditions, type)?.Status == True;

    private static V1Condition Copy(V1Condition c) => new()
    {
        Type = c.Type,
        Status = c.Status,
        Reason = c.Reason,
        Message = c.Message,
        ObservedGeneration = c.ObservedGeneration,
        LastTransitionTime = c.LastTransitionTime,
    };

    // The API server stores RFC 3339 seconds; comparing a fresher in-memory value would always look like a change.
    private static DateTime Truncate(DateTime now) => new(now.Ticks - (now.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
}
