namespace MetaEvolve.DevCluster.Workloads;

/// <summary>A replica as the rollout sees it.</summary>
public sealed record ReplicaInfo(string Name, bool Ready, bool Available, DateTimeOffset Created);

/// <summary>What to do in one step: create this many new-template pods, delete these.</summary>
public sealed record RolloutStep(int Create, IReadOnlyList<string> Delete);

/// <summary>The Deployment's strategy with surge and unavailability resolved against the desired count.</summary>
public sealed record RolloutStrategy(bool Recreate, int MaxSurge, int MaxUnavailable)
{
    /// <summary>
    /// As the deployment controller resolves them: 25 % defaults, surge rounded up, unavailability
    /// rounded down, and both 0 is not allowed to stall, so unavailability becomes 1.
    /// </summary>
    public static RolloutStrategy Resolve(System.Text.Json.Nodes.JsonNode? strategy, int desired)
    {
        if ((string?)strategy?["type"] == "Recreate")
        {
            return new RolloutStrategy(true, 0, 0);
        }

        var surge = Value(strategy?["rollingUpdate"]?["maxSurge"], desired, roundUp: true, fallback: "25%");
        var unavailable = Value(strategy?["rollingUpdate"]?["maxUnavailable"], desired, roundUp: false, fallback: "25%");
        if (surge == 0 && unavailable == 0)
        {
            unavailable = 1;
        }

        return new RolloutStrategy(false, surge, unavailable);
    }

    private static int Value(System.Text.Json.Nodes.JsonNode? node, int total, bool roundUp, string fallback)
    {
        var text = node is null ? fallback : node.GetValueKind() == System.Text.Json.JsonValueKind.Number ? null : (string?)node;
        if (text is null)
        {
            return node!.GetValue<int>();
        }

        if (text.EndsWith('%'))
        {
            var percent = int.Parse(text[..^1], System.Globalization.CultureInfo.InvariantCulture) * total / 100.0;
            return roundUp ? (int)Math.Ceiling(percent) : (int)Math.Floor(percent);
        }

        return int.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
    }
}

/// <summary>
/// One step of the deployment controller's rollout (rolling.go / recreate.go) over pods instead of
/// ReplicaSets: scale the new template up within maxSurge, then remove old pods — unhealthy first —
/// as far as maxUnavailable allows; Recreate removes every old pod before creating new ones.
/// </summary>
public static class RolloutPlanner
{
    public static RolloutStep Plan(int desired, RolloutStrategy strategy, IReadOnlyList<ReplicaInfo> current, IReadOnlyList<ReplicaInfo> old)
    {
        if (old.Count == 0)
        {
            return current.Count < desired
                ? new RolloutStep(desired - current.Count, [])
                : new RolloutStep(0, PickForDeletion(current, current.Count - desired));
        }

        if (strategy.Recreate)
        {
            return new RolloutStep(0, old.Select(p => p.Name).ToList());
        }

        if (current.Count > desired)
        {
            return new RolloutStep(0, PickForDeletion(current, current.Count - desired));
        }

        var total = current.Count + old.Count;
        var maxTotal = desired + strategy.MaxSurge;
        if (total < maxTotal && current.Count < desired)
        {
            return new RolloutStep(Math.Min(maxTotal - total, desired - current.Count), []);
        }

        var minAvailable = desired - strategy.MaxUnavailable;
        var newUnavailable = current.Count(p => !p.Available);
        var maxScaledDown = total - minAvailable - newUnavailable;
        if (maxScaledDown <= 0)
        {
            return new RolloutStep(0, []);
        }

        var delete = old.Where(p => !p.Available).OrderBy(p => p.Created).Take(maxScaledDown).Select(p => p.Name).ToList();
        var available = current.Count(p => p.Available) + old.Count(p => p.Available);
        var scaleDown = Math.Min(available - minAvailable, maxScaledDown - delete.Count);
        if (scaleDown > 0)
        {
            delete.AddRange(PickForDeletion(old.Where(p => p.Available).ToList(), scaleDown));
        }

        return new RolloutStep(0, delete);
    }

    /// <summary>Which replicas go first, as the controller ranks them: not ready before ready, then the newest.</summary>
    public static List<string> PickForDeletion(IReadOnlyList<ReplicaInfo> pods, int count) =>
        pods.OrderBy(p => p.Ready).ThenByDescending(p => p.Created).Take(Math.Max(count, 0)).Select(p => p.Name).ToList();
}
