using System.Collections.Concurrent;
using System.Text.Json;

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

/// <summary>
/// Every request the server answered, in order; bounded so a long session cannot exhaust memory.
/// With a file path, each record is also appended there as a JSON line, so tests in another process
/// (the operator run by <c>dev up</c>) can check what a component asked for.
/// </summary>
public sealed class RequestLog(int capacity = 200_000, string? path = null) : IDisposable
{
    private readonly ConcurrentQueue<RequestRecord> _records = new();
    private readonly Lock _fileGate = new();
    private StreamWriter? _file = path is null ? null : OpenFile(path);

    public void Add(RequestRecord record)
    {
        _records.Enqueue(record);
        while (_records.Count > capacity && _records.TryDequeue(out _))
        {
            // Drop the oldest.
        }

        if (_file is not null)
        {
            lock (_fileGate)
            {
                _file?.WriteLine(JsonSerializer.Serialize(record, JsonOptions));
            }
        }
    }

    public IReadOnlyList<RequestRecord> Snapshot() => [.. _records];

    public IReadOnlyList<RequestRecord> ForUser(string user) => [.. _records.Where(r => r.User == user)];

    private static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web);

    private static StreamWriter OpenFile(string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        return new StreamWriter(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.Read)) { AutoFlush = true };
    }

    public void Dispose()
    {
        lock (_fileGate)
        {
            _file?.Dispose();
            _file = null;
        }
    }
}
