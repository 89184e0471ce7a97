using MetaEvolve.DevCluster.Http;

namespace MetaEvolve.Bench.Operator;

/// <summary>One user's API requests in a time window, from the dev server's request record, and which of them write.</summary>
internal sealed class RequestTally(IReadOnlyList<RequestRecord> records)
{
    public static RequestTally Of(RequestLog log, string user, DateTimeOffset from, DateTimeOffset to) =>
        new([.. log.ForUser(user).Where(r => r.Time >= from && r.Time < to)]);

    public int Count => records.Count;

    /// <summary>Anything but get, list and watch (non-resource requests carry their HTTP verb, GET for discovery).</summary>
    public RequestTally Writes => new([.. records.Where(r => r.Verb is not ("get" or "list" or "watch"))]);

    /// <summary>Leader election's heartbeat (a Lease update every retry period), which goes on whatever the cluster does.</summary>
    public RequestTally LeaseRenewals => new([.. records.Where(r => r.Resource == "leases")]);

    public RequestTally ExceptLeases => new([.. records.Where(r => r.Resource != "leases")]);

    /// <summary>"patch agentpools/status 1000, create deployments 1000, ..." — most frequent first.</summary>
    public string Describe() => records.Count == 0 ? "none" : string.Join(", ", records
        .GroupBy(r => $"{r.Verb} {(r.IsResourceRequest ? r.Resource + (r.Subresource is null ? "" : "/" + r.Subresource) : r.Path)}")
        .OrderByDescending(g => g.Count())
        .Select(g => $"{g.Key} {g.Count()}"));
}
