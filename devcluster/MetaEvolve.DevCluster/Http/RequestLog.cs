using System.Collections.Concurrent;

namespace MetaEvolve.DevCluster.Http;

/// <summary>
/// One API request as RBAC would see it: who (the bearer token's user), verb and resource. Non-resource
/// requests (discovery, OpenAPI) carry the HTTP verb and the path.
/// </summary>
public sealed record RequestRecord(
    DateTimeOffset Time,
    string User,
    string Verb,
    string Group,
    string Version,
    string Resource,
    string? Subresource,
    string? Namespace,
    string? Name,
    string Path,
    int StatusCode)
{
    public bool IsResourceRequest => Resource.Length > 0;
}

/// <summary>Every request the server answered, in order; bounded so a long session cannot exhaust memory.</summary>
public sealed class RequestLog(int capacity = 200_000)
{
    readonly ConcurrentQueue<RequestRecord> _records = new();

    public void Add(RequestRecord record)
    {
        _records.Enqueue(record);
        while (_records.Count > capacity && _records.TryDequeue(out _))
        {
            // Drop the oldest.
        }
    }

    public IReadOnlyList<RequestRecord> Snapshot() => [.. _records];

    public IReadOnlyList<RequestRecord> ForUser(string user) => [.. _records.Where(r => r.User == user)];
}
