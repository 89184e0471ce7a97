namespace MetaEvolve.DevCluster.Autoscaling;

/// <summary>A condition the normalization decided: its type, status, reason and message.</summary>
public sealed record HpaCondition(string Type, string Status, string Reason, string Message);

/// <summary>The normalized replica count and the AbleToScale / ScalingLimited conditions that explain it.</summary>
public sealed record Normalization(int Replicas, HpaCondition AbleToScale, HpaCondition ScalingLimited);

/// <summary>
/// The upstream controller's normalization (horizontal.go): stabilization over remembered
/// recommendations, then min/max and rate limits — the legacy rules without <c>spec.behavior</c>
/// (window, scale-up limit max(2×current, 4)), the behavior policies with it. Deterministic: the
/// caller passes the time and the history, which these functions update exactly as upstream does.
/// </summary>
public static class ReplicaNormalizer
{
    private const double ScaleUpLimitFactor = 2.0;
    private const double ScaleUpLimitMinimum = 4.0;

    /// <summary>recordInitialRecommendation: the first sync remembers the current size.</summary>
    public static void RecordInitial(AutoscalerHistory history, int currentReplicas, DateTimeOffset now)
    {
        if (history.Recommendations.Count == 0)
        {
            history.Recommendations.Add(new TimedRecommendation(currentReplicas, now));
        }
    }

    /// <summary>normalizeDesiredReplicas (no behavior).</summary>
    public static Normalization Normalize(AutoscalerHistory history, DateTimeOffset now, TimeSpan downscaleWindow,
        int currentReplicas, int prenormalized, int minReplicas, int maxReplicas)
    {
        var stabilized = Stabilize(history, now, downscaleWindow, prenormalized);
        var able = stabilized != prenormalized
            ? new HpaCondition("AbleToScale", "True", "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation")
            : new HpaCondition("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size");
        var (desired, reason, message) = ConvertWithRules(currentReplicas, stabilized, minReplicas, maxReplicas);
        return new Normalization(desired, able, new HpaCondition("ScalingLimited", desired == stabilized ? "False" : "True", reason, message));
    }

    /// <summary>stabilizeRecommendation: the highest recommendation within the window wins.</summary>
    private static int Stabilize(AutoscalerHistory history, DateTimeOffset now, TimeSpan window, int prenormalized)
    {
        var max = prenormalized;
        var cutoff = now - window;
        var oldIndex = -1;
        for (var i = 0; i < history.Recommendations.Count; i++)
        {
            var rec = history.Recommendations[i];
            if (rec.At < cutoff)
            {
                oldIndex = i;
            }
            else if (rec.Replicas > max)
            {
                max = rec.Replicas;
            }
        }

        Record(history, oldIndex, new TimedRecommendation(prenormalized, now));
        return max;
    }

    private static (int, string, string) ConvertWithRules(int current, int desired, int min, int max)
    {
        var scaleUpLimit = (int)Math.Max(ScaleUpLimitFactor * current, ScaleUpLimitMinimum);
        int maximumAllowed;
        string reason, message;
        if (max > scaleUpLimit)
        {
            maximumAllowed = scaleUpLimit;
            reason = "ScaleUpLimit";
            message = "the desired replica count is increasing faster than the maximum scale rate";
        }
        else
        {
            maximumAllowed = max;
            reason = "TooManyReplicas";
            message = "the desired replica count is more than the maximum replica count";
        }

        if (desired < min)
        {
            return (min, "TooFewReplicas", "the desired replica count is less than the minimum replica count");
        }

        return desired > maximumAllowed ? (maximumAllowed, reason, message) : (desired, "DesiredWithinRange", "the desired count is within the acceptable range");
    }

    /// <summary>normalizeDesiredReplicasWithBehaviors.</summary>
    public static Normalization NormalizeWithBehavior(AutoscalerHistory history, DateTimeOffset now, TimeSpan downscaleWindow,
        HpaBehavior behavior, int currentReplicas, int prenormalized, int minReplicas, int maxReplicas)
    {
        // maybeInitScaleDownStabilizationWindow: a scale-down rule without a window gets the controller's.
        var scaleDown = behavior.ScaleDown.StabilizationWindowSeconds is null
            ? behavior.ScaleDown with { StabilizationWindowSeconds = (int)downscaleWindow.TotalSeconds }
            : behavior.ScaleDown;
        var scaleUp = behavior.ScaleUp.StabilizationWindowSeconds is null ? behavior.ScaleUp with { StabilizationWindowSeconds = 0 } : behavior.ScaleUp;

        var (stabilized, stabilizedReason, stabilizedMessage) = StabilizeWithBehaviors(history, now, scaleUp, scaleDown, currentReplicas, prenormalized);
        var able = stabilized != prenormalized
            ? new HpaCondition("AbleToScale", "True", stabilizedReason, stabilizedMessage)
            : new HpaCondition("AbleToScale", "True", "ReadyForNewScale", "recommended size matches current size");
        var (desired, reason, message) = ConvertWithBehaviorRate(history, now, scaleUp, scaleDown, currentReplicas, stabilized, minReplicas, maxReplicas);
        return new Normalization(desired, able, new HpaCondition("ScalingLimited", desired == stabilized ? "False" : "True", reason, message));
    }

    private static (int, string, string) StabilizeWithBehaviors(AutoscalerHistory history, DateTimeOffset now, ScalingRules scaleUp, ScalingRules scaleDown,
        int current, int desired)
    {
        var upRecommendation = desired;
        var upCutoff = now - TimeSpan.FromSeconds(scaleUp.StabilizationWindowSeconds ?? 0);
        var downRecommendation = desired;
        var downCutoff = now - TimeSpan.FromSeconds(scaleDown.StabilizationWindowSeconds ?? 0);
        var oldIndex = -1;
        for (var i = 0; i < history.Recommendations.Count; i++)
        {
            var rec = history.Recommendations[i];
            if (rec.At > upCutoff)
            {
                upRecommendation = Math.Min(rec.Replicas, upRecommendation);
            }

            if (rec.At > downCutoff)
            {
                downRecommendation = Math.Max(rec.Replicas, downRecommendation);
            }

            if (rec.At < upCutoff && rec.At < downCutoff)
            {
                oldIndex = i;
            }
        }

        var recommendation = current;
        if (recommendation < upRecommendation)
        {
            recommendation = upRecommendation;
        }

        if (recommendation > downRecommendation)
        {
            recommendation = downRecommendation;
        }

        Record(history, oldIndex, new TimedRecommendation(desired, now));
        return desired >= current
            ? (recommendation, "ScaleUpStabilized", "recent recommendations were lower than current one, applying the lowest recent recommendation")
            : (recommendation, "ScaleDownStabilized", "recent recommendations were higher than current one, applying the highest recent recommendation");
    }

    private static (int, string, string) ConvertWithBehaviorRate(AutoscalerHistory history, DateTimeOffset now, ScalingRules scaleUp, ScalingRules scaleDown,
        int current, int desired, int min, int max)
    {
        if (desired > current)
        {
            var scaleUpLimit = Math.Max(ScaleUpLimit(current, history.ScaleUpEvents, history.ScaleDownEvents, scaleUp, now), current);
            var maximumAllowed = max;
            string reason, message;
            if (maximumAllowed > scaleUpLimit)
            {
                maximumAllowed = scaleUpLimit;
                reason = "ScaleUpLimit";
                message = "the desired replica count is increasing faster than the maximum scale rate";
            }
            else
            {
                reason = "TooManyReplicas";
                message = "the desired replica count is more than the maximum replica count";
            }

            if (desired > maximumAllowed)
            {
                return (maximumAllowed, reason, message);
            }
        }
        else if (desired < current)
        {
            var scaleDownLimit = Math.Min(ScaleDownLimit(current, history.ScaleUpEvents, history.ScaleDownEvents, scaleDown, now), current);
            var minimumAllowed = min;
            string reason, message;
            if (minimumAllowed < scaleDownLimit)
            {
                minimumAllowed = scaleDownLimit;
                reason = "ScaleDownLimit";
                message = "the desired replica count is decreasing faster than the maximum scale rate";
            }
            else
            {
                reason = "TooFewReplicas";
                message = "the desired replica count is less than the minimum replica count";
            }

            if (desired < minimumAllowed)
            {
                return (minimumAllowed, reason, message);
            }
        }

        return (desired, "DesiredWithinRange", "the desired count is within the acceptable range");
    }

    /// <summary>calculateScaleUpLimitWithScalingRules.</summary>
    public static int ScaleUpLimit(int current, IReadOnlyList<ScaleEvent> upEvents, IReadOnlyList<ScaleEvent> downEvents, ScalingRules rules, DateTimeOffset now)
    {
        if (rules.SelectPolicy == "Disabled")
        {
            return current;
        }

        var useMin = rules.SelectPolicy == "Min";
        var result = useMin ? int.MaxValue : int.MinValue;
        foreach (var policy in rules.Policies)
        {
            var added = ChangeInPeriod(policy.PeriodSeconds, upEvents, now);
            var deleted = ChangeInPeriod(policy.PeriodSeconds, downEvents, now);
            var periodStart = current - added + deleted;
            var proposed = policy.Type == "Pods"
                ? periodStart + policy.Value
                : (int)Math.Ceiling(periodStart * (1 + policy.Value / 100.0));
            result = useMin ? Math.Min(result, proposed) : Math.Max(result, proposed);
        }

        return result;
    }

    /// <summary>calculateScaleDownLimitWithBehaviors.</summary>
    public static int ScaleDownLimit(int current, IReadOnlyList<ScaleEvent> upEvents, IReadOnlyList<ScaleEvent> downEvents, ScalingRules rules, DateTimeOffset now)
    {
        if (rules.SelectPolicy == "Disabled")
        {
            return current;
        }

        var useMin = rules.SelectPolicy == "Min";
        var result = useMin ? int.MinValue : int.MaxValue;
        foreach (var policy in rules.Policies)
        {
            var added = ChangeInPeriod(policy.PeriodSeconds, upEvents, now);
            var deleted = ChangeInPeriod(policy.PeriodSeconds, downEvents, now);
            var periodStart = current - added + deleted;
            var proposed = policy.Type == "Pods"
                ? periodStart - policy.Value
                : (int)(periodStart * (1 - policy.Value / 100.0));
            result = useMin ? Math.Max(result, proposed) : Math.Min(result, proposed);
        }

        return result;
    }

    private static int ChangeInPeriod(int periodSeconds, IReadOnlyList<ScaleEvent> events, DateTimeOffset now)
    {
        var cutoff = now - TimeSpan.FromSeconds(periodSeconds);
        return events.Where(e => e.At > cutoff).Sum(e => e.Change);
    }

    /// <summary>storeScaleEvent: remembered only with a behavior; outdated events are reused in place.</summary>
    public static void StoreScaleEvent(AutoscalerHistory history, HpaBehavior? behavior, int previous, int next, DateTimeOffset now)
    {
        if (behavior is null)
        {
            return;
        }

        var up = next > previous;
        var events = up ? history.ScaleUpEvents : history.ScaleDownEvents;
        var rules = up ? behavior.ScaleUp : behavior.ScaleDown;
        var longest = rules.Policies.Count == 0 ? 0 : rules.Policies.Max(p => p.PeriodSeconds);
        var cutoff = now - TimeSpan.FromSeconds(longest);
        foreach (var e in events)
        {
            if (e.At < cutoff)
            {
                e.Outdated = true;
            }
        }

        var change = up ? next - previous : previous - next;
        var oldIndex = -1;
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i].Outdated)
            {
                oldIndex = i;
            }
        }

        var fresh = new ScaleEvent(change, now);
        if (oldIndex >= 0)
        {
            events[oldIndex] = fresh;
        }
        else
        {
            events.Add(fresh);
        }
    }

    private static void Record(AutoscalerHistory history, int oldIndex, TimedRecommendation recommendation)
    {
        if (oldIndex >= 0)
        {
            history.Recommendations[oldIndex] = recommendation;
        }
        else
        {
            history.Recommendations.Add(recommendation);
        }
    }
}
