using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Http;
using MetaEvolve.DevCluster.Semantics;
using MetaEvolve.DevCluster.Storage;
using Microsoft.AspNetCore.Http;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>
/// <c>GET /api/v1/namespaces/{ns}/pods/{name}/log</c>: the runner's captured output as plain text,
/// with container, previous, tailLines, sinceSeconds/sinceTime, timestamps and limitBytes; with
/// follow=true the response streams until the container instance ends or the client goes.
/// Errors read as the kubelet words them.
/// </summary>
public sealed class PodLogEndpoint(ObjectStore store, PodLogRegistry registry)
{
    /// <summary>(namespace, pod) when the path is a pods/log request.</summary>
    public static (string Namespace, string Pod)? Match(HttpRequest request)
    {
        var s = (request.Path.Value ?? "").Trim('/').Split('/');
        return request.Method == "GET" && s.Length == 7 && s[0] == "api" && s[1] == "v1" && s[2] == "namespaces" && s[4] == "pods" && s[6] == "log"
            ? (s[3], s[5])
            : null;
    }

    public async Task HandleAsync(HttpContext context, string ns, string name)
    {
        var pod = store.Get(new ObjectKey(new("", "pods"), ns, name))
            ?? throw ApiException.NotFound($"pods \"{name}\" not found");
        var query = context.Request.Query;
        var containers = (pod["spec"]?["containers"] as JsonArray)?.OfType<JsonObject>().Select(c => (string?)c["name"] ?? "").ToList() ?? [];
        var container = query["container"].ToString();
        if (container.Length == 0)
        {
            container = containers.Count == 1 ? containers[0]
                : throw ApiException.BadRequest($"a container name must be specified for pod {name}, choose one of: [{string.Join(' ', containers)}]");
        }
        else if (!containers.Contains(container))
        {
            throw ApiException.BadRequest($"container {container} is not valid for pod {name}");
        }

        var logs = registry.Find(ObjectMeta.Uid(pod), container);
        var previous = IsTrue(query["previous"]);
        var log = previous ? logs?.Previous : logs?.Current;
        if (log is null)
        {
            var waiting = (pod["status"]?["containerStatuses"] as JsonArray)?.OfType<JsonObject>()
                .FirstOrDefault(c => (string?)c["name"] == container)?["state"]?["waiting"]?["reason"];
            throw ApiException.BadRequest(previous
                ? $"previous terminated container \"{container}\" in pod \"{name}\" not found"
                : $"container \"{container}\" in pod \"{name}\" is waiting to start: {(string?)waiting ?? "ContainerCreating"}");
        }

        var follow = IsTrue(query["follow"]);
        var timestamps = IsTrue(query["timestamps"]);
        long? limitBytes = long.TryParse(query["limitBytes"], CultureInfo.InvariantCulture, out var lb) ? lb : null;
        DateTimeOffset? since = int.TryParse(query["sinceSeconds"], CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.UtcNow.AddSeconds(-seconds)
            : DateTimeOffset.TryParse(query["sinceTime"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var st) ? st : null;

        context.Response.StatusCode = 200;
        context.Response.ContentType = "text/plain";
        var (lines, completed, changed) = log.Read(0);
        var selected = lines.Where(l => since is null || l.At >= since).ToList();
        if (int.TryParse(query["tailLines"], CultureInfo.InvariantCulture, out var tail) && tail >= 0)
        {
            selected = selected.Skip(Math.Max(0, selected.Count - tail)).ToList();
        }

        long written = 0;
        var next = lines.Count > 0 ? lines[^1].Sequence + 1 : 0;
        async Task<bool> WriteLines(IEnumerable<LogLine> batch)
        {
            foreach (var line in batch)
            {
                var text = (timestamps ? line.At.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fffffff'Z' ", CultureInfo.InvariantCulture) : "") + line.Text + "\n";
                var bytes = Encoding.UTF8.GetBytes(text);
                if (limitBytes is { } limit && written + bytes.Length > limit)
                {
                    await context.Response.Body.WriteAsync(bytes.AsMemory(0, (int)(limit - written)), context.RequestAborted);
                    return false;
                }

                written += bytes.Length;
                await context.Response.Body.WriteAsync(bytes, context.RequestAborted);
            }

            await context.Response.Body.FlushAsync(context.RequestAborted);
            return true;
        }

        if (!await WriteLines(selected) || !follow)
        {
            return;
        }

        try
        {
            while (!completed)
            {
                await changed.WaitAsync(context.RequestAborted);
                (lines, completed, changed) = log.Read(next);
                if (lines.Count > 0)
                {
                    next = lines[^1].Sequence + 1;
                    if (!await WriteLines(lines))
                    {
                        return;
                    }
                }
            }
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client stopped following.
        }
    }

    private static bool IsTrue(string? value) => value is "true" or "1";
}
