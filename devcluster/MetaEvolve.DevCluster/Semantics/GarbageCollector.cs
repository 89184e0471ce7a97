using System.Text.Json.Nodes;
using System.Threading.Channels;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Http;
using MetaEvolve.DevCluster.Storage;
using Microsoft.Extensions.Logging;

namespace MetaEvolve.DevCluster.Semantics;

/// <summary>
/// The controllers the real control plane runs for deletion: the garbage collector (dependents whose
/// owners are gone, foreground and orphan propagation), the namespace controller (a terminating
/// namespace takes its contents, then goes) and CRD cleanup (instances go before their definition).
/// It sweeps the whole store after each change; the dev control plane holds few objects.
/// </summary>
public sealed class GarbageCollector(ResourceOperations operations, ILogger<GarbageCollector> logger)
{
    private readonly Channel<bool> _signal = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite });

    private static readonly GroupResource Namespaces = new("", "namespaces");
    private static readonly GroupResource Crds = new("apiextensions.k8s.io", "customresourcedefinitions");

    public void Signal() => _signal.Writer.TryWrite(true);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (await _signal.Reader.WaitToReadAsync(cancellationToken))
            {
                _signal.Reader.TryRead(out _);
                try
                {
                    for (var round = 0; round < 100 && Sweep(); round++)
                    {
                        // Each round may unblock the next (a namespace empties once its objects' finalizers go).
                    }
                }
                catch (Exception e) when (e is ApiException or InvalidOperationException or KeyNotFoundException)
                {
                    logger.LogWarning(e, "Garbage collection sweep failed; retrying on the next change");
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Shutting down.
        }
    }

    /// <summary>One pass over the store; true when it changed something.</summary>
    public bool Sweep()
    {
        var all = operations.Store.Snapshot();
        var uids = all.Select(p => ObjectMeta.Uid(p.Object)).ToHashSet(StringComparer.Ordinal);
        var changed = false;

        foreach (var (key, obj) in all.Where(p => ObjectMeta.IsDeleting(p.Object)))
        {
            var finalizers = ObjectMeta.Finalizers(obj);
            var uid = ObjectMeta.Uid(obj);
            var dependents = all.Where(p => ObjectMeta.OwnerReferences(p.Object).Any(r => (string?)r["uid"] == uid)).ToList();

            if (finalizers.Contains(Finalizers.Orphan))
            {
                foreach (var (depKey, _) in dependents)
                {
                    changed |= Mutate(depKey, d => RemoveOwner(d, uid));
                }

                changed |= Mutate(key, o => ObjectMeta.SetFinalizers(o, ObjectMeta.Finalizers(o).Where(f => f != Finalizers.Orphan)));
            }
            else if (finalizers.Contains(Finalizers.Foreground))
            {
                changed |= DeleteAll(dependents);
                if (dependents.Count == 0)
                {
                    changed |= Mutate(key, o => ObjectMeta.SetFinalizers(o, ObjectMeta.Finalizers(o).Where(f => f != Finalizers.Foreground)));
                }
            }

            if (key.Resource == Namespaces)
            {
                var contents = all.Where(p => p.Key.Namespace == key.Name && p.Key.Resource != Namespaces).ToList();
                changed |= DeleteAll(contents);
                if (contents.Count == 0)
                {
                    changed |= Mutate(key, o => o["spec"] = new JsonObject { ["finalizers"] = new JsonArray() });
                }
            }

            if (key.Resource == Crds && finalizers.Contains(Finalizers.CrdCleanup))
            {
                var group = (string?)obj["spec"]?["group"] ?? "";
                var plural = (string?)obj["spec"]?["names"]?["plural"] ?? "";
                var instances = all.Where(p => p.Key.Resource == new GroupResource(group, plural)).ToList();
                changed |= DeleteAll(instances);
                if (instances.Count == 0)
                {
                    changed |= Mutate(key, o => ObjectMeta.SetFinalizers(o, ObjectMeta.Finalizers(o).Where(f => f != Finalizers.CrdCleanup)));
                }
            }
        }

        // Dependents all of whose owners are gone follow them (background propagation).
        var orphans = all.Where(p =>
        {
            var owners = ObjectMeta.OwnerReferences(p.Object).ToList();
            return owners.Count > 0 && owners.All(r => !uids.Contains((string?)r["uid"] ?? ""));
        }).ToList();
        changed |= DeleteAll(orphans);
        return changed;
    }

    private static void RemoveOwner(JsonObject obj, string uid)
    {
        var remaining = ObjectMeta.OwnerReferences(obj).Where(r => (string?)r["uid"] != uid).Select(r => (JsonNode)r.DeepClone()).ToArray();
        if (remaining.Length == 0)
        {
            ObjectMeta.Metadata(obj).Remove("ownerReferences");
        }
        else
        {
            ObjectMeta.Metadata(obj)["ownerReferences"] = new JsonArray(remaining);
        }
    }

    private bool DeleteAll(List<(ObjectKey Key, JsonObject Object)> objects)
    {
        var changed = false;
        foreach (var (key, obj) in objects.Where(p => !ObjectMeta.IsDeleting(p.Object)))
        {
            var type = operations.Registry.Storage(key.Resource);
            if (type is null)
            {
                continue;
            }

            try
            {
                operations.Delete(type, key.Namespace, key.Name, new DeleteOptions(PropagationPolicy: "Background"));
                changed = true;
            }
            catch (ApiException e) when (e.Code == 404)
            {
                // Already gone.
            }
        }

        return changed;
    }

    private bool Mutate(ObjectKey key, Action<JsonObject> change)
    {
        var type = operations.Registry.Storage(key.Resource);
        return type is not null && operations.Mutate(type, key.Namespace, key.Name, change);
    }
}
