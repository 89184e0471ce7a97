using MetaEvolve.DevCluster.Http;

namespace MetaEvolve.Bench.Operator;

/// <summary>One user's API requests in a time window, from the dev server's request record, and which of them write.</summary>
internal sealed class RequestTally(IReadOnlyList<RequestRecord> records)
{
    public static RequestTally Of(RequestLog log, string user, DateTimeOffset from, DateTimeOffset to) =>
        new([.. log.ForUser(user).Where(r => r.Time >= from && r.Time < to)]);

    public int Count => records.Count;

    /// <summary>"first request after 2.1 s, first write after 3.4 s" from <paramref name="start"/>: how much of a cold start is the process starting, leading and listing.</summary>
    public string Milestones(DateTimeOffset start)
    {
        var first = records.Count == 0 ? (DateTimeOffset?)null : records.Min(r => r.Time);
        var writes = records.Where(r => r.Verb is not ("get" or "list" or "watch") && r.Resource != "leases").ToList();
        var firstWrite = writes.Count == 0 ? (DateTimeOffset?)null : writes.Min(r => r.Time);
        static string After(DateTimeOffset? at, DateTimeOffset start) => at is { } t ? $"{(t - start).TotalSeconds:F1} s" : "never";
        return $"first request after {After(first, start)}, first write (not a Lease) after {After(firstWrite, start)}";
    }

    /// <summary>Anything but get, list and watch (non-resource requests carry their HTTP verb, GET for discovery).</summary>
    public RequestTally Writes => new([.. records.Where(r => r.Verb is not ("get" or "list" or "watch"))]);

    /// <summary>Leader election's heartbeat (a Lease update every retry period), which goes on whatever the cluster does.</summary>
    public RequestTally LeaseRenewals => new([.. records.Where(r => r.Resource == "leases")]);

    public RequestTally Where(Func<RequestRecord, bool> predicate) => new([.. records.Where(predicate)]);

    public RequestTally ExceptLeases => new([.. records.Where(r => r.Resource != "leases")]);

    /// <summary>"patch agentpools/status 1000, create deployments 1000, ..." — most frequent first.</summary>
    public string Describe() => records.Count == 0 ? "none" : string.Join(", ", records
        .GroupBy(r => $"{r.Verb} {(r.IsResourceRequest ? r.Resource + (r.Subresource is null ? "" : "/" + r.Subresource) : r.Path)}")
        .OrderByDescending(g => g.Count())
        .Select(g => $"{g.Key} {g.Count()}"));
}
