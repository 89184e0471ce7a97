using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Http;
using MetaEvolve.DevCluster.Storage;

namespace MetaEvolve.DevCluster.Semantics;

/// <summary>
/// Deletion: graceful deletion through finalizers and deletionTimestamp, propagation policies as
/// finalizers for the garbage collector, delete-collection, and the collector's own bookkeeping writes.
/// </summary>
public sealed partial class ResourceOperations
{
    /// <summary>
    /// DELETE: without finalizers the object goes at once; otherwise it gets a deletionTimestamp and
    /// waits. Foreground and Orphan propagation add their finalizers, which the collector resolves.
    /// </summary>
    public JsonObject Delete(ResourceType type, string ns, string name, DeleteOptions options)
    {
        if (type.GroupResource == Namespaces && name is "default" or "kube-system" or "kube-public")
        {
            throw ApiException.Forbidden(type, name, "this namespace may not be deleted");
        }

        var key = Key(type, ns, name);
        JsonObject? Mutate(JsonObject current)
        {
            if (options.PreconditionUid is { Length: > 0 } uid && uid != ObjectMeta.Uid(current))
            {
                throw ApiException.Conflict(type, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {ObjectMeta.Uid(current)}");
            }

            if (options.PreconditionResourceVersion is { Length: > 0 } rv && rv != ObjectMeta.ResourceVersion(current))
            {
                throw ApiException.Conflict(type, name, $"Precondition failed: ResourceVersion in precondition: {rv}, ResourceVersion in object meta: {ObjectMeta.ResourceVersion(current)}");
            }

            var finalizers = ObjectMeta.Finalizers(current);
            var policy = options.PropagationPolicy;
            if (policy == "Foreground" && !finalizers.Contains(Finalizers.Foreground))
            {
                finalizers.Add(Finalizers.Foreground);
            }
            else if (policy == "Orphan" && !finalizers.Contains(Finalizers.Orphan))
            {
                finalizers.Add(Finalizers.Orphan);
            }

            var next = current.DeepClone().AsObject();
            if (!ObjectMeta.IsDeleting(current))
            {
                ObjectMeta.SetFinalizers(next, finalizers);
                ObjectMeta.Metadata(next)["deletionTimestamp"] = ObjectMeta.Timestamp(time.GetUtcNow());
                ObjectMeta.Metadata(next)["deletionGracePeriodSeconds"] = 0;
                if (type.GroupResource == Namespaces)
                {
                    next["status"] = new JsonObject { ["phase"] = "Terminating" };
                }
            }

            return ReadyToRemove(type, next) ? null : next;
        }

        return Commit(type, key, name, options.DryRun, Mutate);
    }

    public JsonObject DeleteCollection(ResourceType type, string? ns, ListOptions list, DeleteOptions options)
    {
        var items = List(type, ns, list with { Limit = 0, Continue = null })["items"]!.AsArray();
        var deleted = new JsonArray();
        foreach (var item in items.OfType<JsonObject>())
        {
            try
            {
                deleted.Add(Delete(type, ObjectMeta.Namespace(item), ObjectMeta.Name(item), options));
            }
            catch (ApiException e) when (e.Code == 404)
            {
                // Removed concurrently: a collection delete does not fail for it.
            }
        }

        var result = List(type, ns, list with { Limit = 0, Continue = null });
        result["items"] = deleted;
        return result;
    }

    /// <summary>
    /// A server-internal change (finalizer or owner-reference bookkeeping of the garbage collector):
    /// no admission, no status/main split; the object goes if it is deleting and nothing holds it.
    /// Returns whether anything changed.
    /// </summary>
    internal bool Mutate(ResourceType type, string ns, string name, Action<JsonObject> change)
    {
        var key = Key(type, ns, name);
        JsonObject? result;
        var before = "";
        try
        {
            result = store.Update(key, current =>
            {
                before = ObjectMeta.ResourceVersion(current);
                change(current);
                return ObjectMeta.IsDeleting(current) && ReadyToRemove(type, current) ? null : current;
            });
        }
        catch (ObjectNotFoundException)
        {
            return false;
        }

        var deleted = store.Get(key) is null;
        if (!deleted && ObjectMeta.ResourceVersion(result!) == before)
        {
            return false;
        }

        AfterWrite(type, result!, deleted);
        return true;
    }
}
