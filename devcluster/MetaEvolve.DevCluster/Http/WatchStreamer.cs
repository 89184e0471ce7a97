using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Semantics;
using MetaEvolve.DevCluster.Storage;
using Microsoft.AspNetCore.Http;

namespace MetaEvolve.DevCluster.Http;

/// <summary>
/// Streams a watch as newline-delimited <c>{"type","object"}</c> events. Filters apply to both the old
/// and the new state, so an object leaving a selector arrives as DELETED and one entering as ADDED.
/// Bookmarks are sent when asked for; the stream ends after <c>timeoutSeconds</c>.
/// </summary>
public sealed class WatchStreamer(ObjectStore store, TableConverter tables, TimeSpan bookmarkInterval, CancellationToken serverStopping)
{
    public sealed record Request(
        ResourceType Type,
        string? Namespace,
        ListOptions Filter,
        string? ResourceVersion,
        TimeSpan Timeout,
        bool Bookmarks,
        bool SendInitialEvents,
        bool AsTable,
        string IncludeObject);

    /// <summary>Subscribes before anything is written, so a too-old resourceVersion still becomes an HTTP 410.</summary>
    public WatchSubscription Subscribe(Request request)
    {
        long? from = request.ResourceVersion is null or "" or "0" ? null
            : long.TryParse(request.ResourceVersion, NumberStyles.None, CultureInfo.InvariantCulture, out var rv) ? rv
            : throw ApiException.BadRequest($"invalid resource version \"{request.ResourceVersion}\"");
        try
        {
            return store.Watch(request.Type.GroupResource, request.Type.Namespaced ? request.Namespace : null, from);
        }
        catch (ResourceVersionGoneException e)
        {
            throw ApiException.Gone(e.Message);
        }
    }

    public async Task StreamAsync(HttpContext context, Request request, WatchSubscription subscription, CancellationToken cancellationToken)
    {
        using var _ = subscription;
        context.Response.StatusCode = 200;
        context.Response.ContentType = "application/json";
        context.Response.Headers.CacheControl = "no-cache, private";
        await context.Response.StartAsync(cancellationToken);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, serverStopping);
        timeout.CancelAfter(request.Timeout);
        var initialPending = subscription.InitialEvents;
        var lastRv = subscription.StartedAt;
        if (initialPending == 0 && request.SendInitialEvents && request.ResourceVersion is null or "" or "0")
        {
            await WriteBookmark(context, request, lastRv, initialEventsEnd: true, timeout.Token);
        }

        try
        {
            while (!timeout.IsCancellationRequested)
            {
                using var tick = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token);
                tick.CancelAfter(bookmarkInterval);
                WatchEvent e;
                try
                {
                    if (!await subscription.Events.WaitToReadAsync(tick.Token))
                    {
                        return;
                    }

                    if (!subscription.Events.TryRead(out e!))
                    {
                        continue;
                    }
                }
                catch (OperationCanceledException) when (!timeout.IsCancellationRequested)
                {
                    if (request.Bookmarks)
                    {
                        // Every event up to the store's current version for this resource is already queued
                        // or written; ask the store for a marker in order instead of guessing.
                        store.RequestBookmark(subscription);
                    }

                    continue;
                }

                if (e.Type == WatchEventType.Bookmark)
                {
                    lastRv = e.ResourceVersion;
                    if (request.Bookmarks)
                    {
                        await WriteBookmark(context, request, lastRv, initialEventsEnd: false, timeout.Token);
                    }

                    continue;
                }

                var type = Transition(e, request.Filter);
                if (type is not null)
                {
                    await Write(context, request, type, e.Current, timeout.Token);
                }

                lastRv = e.ResourceVersion;
                if (initialPending > 0 && --initialPending == 0 && request.SendInitialEvents)
                {
                    await WriteBookmark(context, request, lastRv, initialEventsEnd: true, timeout.Token);
                }
            }
        }
        catch (OperationCanceledException)
        {
            // Timeout or client gone: the stream just ends, as on a real server.
        }
    }

    private static string? Transition(WatchEvent e, ListOptions filter)
    {
        bool Matches(JsonObject? o) => o is not null && filter.Labels.Matches(o) && filter.Fields.Matches(o);
        return e.Type switch
        {
            WatchEventType.Added => Matches(e.Current) ? "ADDED" : null,
            WatchEventType.Deleted => Matches(e.Previous ?? e.Current) ? "DELETED" : null,
            _ => (Matches(e.Previous), Matches(e.Current)) switch
            {
                (true, true) => "MODIFIED",
                (false, true) => "ADDED",
                (true, false) => "DELETED",
                _ => null,
            },
        };
    }

    private async Task Write(HttpContext context, Request request, string type, JsonObject stored, CancellationToken cancellationToken)
    {
        // Every watcher of the resource gets the same event object: stamp a copy, never the shared one
        // (concurrent writes to it broke other watchers' streams mid-event).
        var obj = stored.DeepClone().AsObject();
        obj["apiVersion"] = request.Type.GroupVersion;
        obj["kind"] = request.Type.Kind;
        JsonNode payload = request.AsTable ? tables.Convert(request.Type, [obj], null, request.IncludeObject) : obj;
        await WriteLine(context, new JsonObject { ["type"] = type, ["object"] = payload }, cancellationToken);
    }

    private static async Task WriteBookmark(HttpContext context, Request request, long rv, bool initialEventsEnd, CancellationToken cancellationToken)
    {
        var metadata = new JsonObject { ["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture) };
        if (initialEventsEnd)
        {
            metadata["annotations"] = new JsonObject { ["k8s.io/initial-events-end"] = "true" };
        }

        var obj = new JsonObject { ["kind"] = request.Type.Kind, ["apiVersion"] = request.Type.GroupVersion, ["metadata"] = metadata };
        await WriteLine(context, new JsonObject { ["type"] = "BOOKMARK", ["object"] = obj }, cancellationToken);
    }

    private static async Task WriteLine(HttpContext context, JsonObject line, CancellationToken cancellationToken)
    {
        await context.Response.Body.WriteAsync(Encoding.UTF8.GetBytes(line.ToJsonString() + "\n"), cancellationToken);
        await context.Response.Body.FlushAsync(cancellationToken);
    }
}
