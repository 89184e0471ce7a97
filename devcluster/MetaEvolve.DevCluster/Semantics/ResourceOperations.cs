using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Http;
using MetaEvolve.DevCluster.Patching;
using MetaEvolve.DevCluster.Storage;

namespace MetaEvolve.DevCluster.Semantics;

/// <summary>
/// The API's verbs with the server's semantics, independent of HTTP: create (names, namespaces,
/// uid, generation), update with optimistic concurrency, status and main resource ignoring each
/// other's halves, patches, and graceful deletion through finalizers. Every write that could leave
/// work for the garbage collector signals it.
/// </summary>
public sealed partial class ResourceOperations(
    ObjectStore store,
    ResourceRegistry registry,
    IObjectAdmission admission,
    TimeProvider time,
    Action changed)
{
    public ObjectStore Store => store;
    public ResourceRegistry Registry => registry;

    private static readonly GroupResource Namespaces = new("", "namespaces");
    private static readonly GroupResource Crds = new("apiextensions.k8s.io", "customresourcedefinitions");

    public static ObjectKey Key(ResourceType type, string ns, string name) =>
        new(type.GroupResource, type.Namespaced ? ns : "", name);

    public JsonObject Get(ResourceType type, string ns, string name) =>
        Served(type, store.Get(Key(type, ns, name)) ?? throw ApiException.NotFound(type, name));

    public JsonObject List(ResourceType type, string? ns, ListOptions options)
    {
        var (items, rv) = store.List(type.GroupResource, type.Namespaced ? ns : null);
        var filtered = items.Where(o => options.Labels.Matches(o) && options.Fields.Matches(o));
        if (options.Continue is { Length: > 0 } token)
        {
            var after = Encoding.UTF8.GetString(Convert.FromBase64String(token));
            filtered = filtered.Where(o => string.CompareOrdinal(SortKey(o), after) > 0);
        }

        var page = filtered.ToList();
        string? next = null;
        if (options.Limit > 0 && page.Count > options.Limit)
        {
            page = page.Take(options.Limit).ToList();
            next = Convert.ToBase64String(Encoding.UTF8.GetBytes(SortKey(page[^1])));
        }

        var metadata = new JsonObject { ["resourceVersion"] = rv.ToString(CultureInfo.InvariantCulture) };
        if (next is not null)
        {
            metadata["continue"] = next;
            metadata["remainingItemCount"] = filtered.Count() - page.Count;
        }

        return new JsonObject
        {
            ["kind"] = type.ListKind,
            ["apiVersion"] = type.GroupVersion,
            ["metadata"] = metadata,
            ["items"] = new JsonArray(page.Select(o => (JsonNode)Served(type, o)).ToArray()),
        };
    }

    private static string SortKey(JsonObject o) => ObjectMeta.Namespace(o) + "/" + ObjectMeta.Name(o);

    public JsonObject Create(ResourceType type, string ns, JsonObject body, WriteOptions options)
    {
        CheckKind(type, body);
        var obj = body.DeepClone().AsObject();
        var meta = ObjectMeta.Metadata(obj);
        if (string.IsNullOrEmpty((string?)meta["name"]) && meta["generateName"] is JsonValue generate)
        {
            meta["name"] = (string?)generate + RandomSuffix();
        }

        var name = (string?)meta["name"] ?? "";
        if (type.Namespaced)
        {
            var declared = (string?)meta["namespace"];
            if (!string.IsNullOrEmpty(declared) && declared != ns)
            {
                throw ApiException.BadRequest("the namespace of the provided object does not match the namespace sent on the request");
            }

            meta["namespace"] = ns;
        }
        else
        {
            meta.Remove("namespace");
        }

        var nameErrors = NameValidation.Validate(name, type.GroupResource == Namespaces, pathSegment: type.Group == "rbac.authorization.k8s.io");
        if (nameErrors.Count > 0)
        {
            throw ApiException.Invalid(type, name, nameErrors);
        }

        if (type.Namespaced)
        {
            RequireLiveNamespace(type, ns, name);
        }

        meta["uid"] = Guid.NewGuid().ToString();
        meta["creationTimestamp"] = ObjectMeta.Timestamp(time.GetUtcNow());
        meta.Remove("resourceVersion");
        meta.Remove("deletionTimestamp");
        meta.Remove("deletionGracePeriodSeconds");
        meta.Remove("managedFields");
        meta.Remove("selfLink");
        if (type.HasGeneration)
        {
            meta["generation"] = 1;
        }
        else
        {
            meta.Remove("generation");
        }

        if (type.HasStatus)
        {
            obj.Remove("status");
        }

        BuiltInDefaults.OnCreate(type, obj);
        BuiltInDefaults.OnWrite(type, obj);
        obj = Admit(type, obj, options);
        if (options.DryRun)
        {
            return Served(type, obj);
        }

        JsonObject stored;
        try
        {
            stored = store.Create(Key(type, ns, name), obj);
        }
        catch (ObjectExistsException)
        {
            throw ApiException.AlreadyExists(type, name);
        }

        AfterWrite(type, stored, deleted: false);
        return Served(type, stored);
    }

    public JsonObject Update(ResourceType type, string ns, string name, JsonObject body, string? subresource, WriteOptions options)
    {
        CheckKind(type, body);
        if (ObjectMeta.Name(body) is { Length: > 0 } bodyName && bodyName != name)
        {
            throw ApiException.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }

        return Write(type, ns, name, options, current =>
        {
            var expected = ObjectMeta.ResourceVersion(body);
            if (expected.Length > 0 && expected != ObjectMeta.ResourceVersion(current))
            {
                throw ApiException.StaleResourceVersion(type, name);
            }

            return body;
        }, subresource);
    }

    public JsonObject Patch(ResourceType type, string ns, string name, string contentType, string patchText, string? subresource, WriteOptions options)
    {
        var mediaType = contentType.Split(';')[0].Trim();
        if (mediaType == "application/apply-patch+yaml")
        {
            // Helm 4 applies server-side by default, so the message names the fix for both clients.
            throw new ApiException(415, "UnsupportedMediaType",
                "server-side apply is not served by the dev control plane: use client-side apply (kubectl apply without --server-side; helm --server-side=false)");
        }

        if (mediaType == "application/strategic-merge-patch+json" && !type.AcceptsStrategicMerge)
        {
            throw ApiException.UnsupportedMediaType(mediaType);
        }

        JsonNode patch;
        try
        {
            patch = JsonNode.Parse(patchText) ?? throw ApiException.BadRequest("empty patch");
        }
        catch (System.Text.Json.JsonException e)
        {
            throw ApiException.BadRequest($"error decoding patch: {e.Message}");
        }

        return Write(type, ns, name, options, current =>
        {
            JsonObject patched = mediaType switch
            {
                "application/json-patch+json" when patch is JsonArray ops => JsonPatch.Apply(current, ops) as JsonObject
                    ?? throw ApiException.BadRequest("json patch must leave an object"),
                "application/merge-patch+json" when patch is JsonObject p => (JsonObject)JsonMergePatch.Apply(current, p)!,
                "application/strategic-merge-patch+json" when patch is JsonObject p => StrategicMergePatch.Apply(current, p),
                "application/json-patch+json" or "application/merge-patch+json" or "application/strategic-merge-patch+json" =>
                    throw ApiException.BadRequest("patch body has the wrong shape for its type"),
                _ => throw ApiException.UnsupportedMediaType(mediaType),
            };
            var expected = ObjectMeta.ResourceVersion(patched);
            if (expected.Length > 0 && expected != ObjectMeta.ResourceVersion(current))
            {
                throw ApiException.StaleResourceVersion(type, name);
            }

            return patched;
        }, subresource);
    }

    /// <summary>
    /// The shared update path: <paramref name="desired"/> produces the requested object from the
    /// current one (under the store lock); the server then keeps what clients may not change.
    /// </summary>
    private JsonObject Write(ResourceType type, string ns, string name, WriteOptions options, Func<JsonObject, JsonObject> desired, string? subresource)
    {
        var key = Key(type, ns, name);
        JsonObject? Mutate(JsonObject current)
        {
            var incoming = desired(current).DeepClone().AsObject();
            var next = subresource == "status" ? StatusUpdate(current, incoming) : MainUpdate(type, current, incoming);
            if (type.HasGeneration && SpecChanged(type, current, next))
            {
                var generation = current["metadata"]?["generation"]?.GetValue<long>() ?? 1;
                ObjectMeta.Metadata(next)["generation"] = generation + 1;
            }

            if (subresource != "status")
            {
                BuiltInDefaults.OnWrite(type, next);
                next = Admit(type, next, options);
            }

            if (ObjectMeta.IsDeleting(next) && ReadyToRemove(type, next))
            {
                return null;
            }

            return next;
        }

        return Commit(type, key, name, options.DryRun, Mutate);
    }

    /// <summary>
    /// Stores what <paramref name="mutate"/> makes of the current object (null removes it), then records and
    /// announces the write; a dry run only computes it. Updates and deletes share it. Returns the object as served.
    /// </summary>
    private JsonObject Commit(ResourceType type, ObjectKey key, string name, bool dryRun, Func<JsonObject, JsonObject?> mutate)
    {
        if (dryRun)
        {
            var current = store.Get(key) ?? throw ApiException.NotFound(type, name);
            return Served(type, mutate(current) ?? current);
        }

        JsonObject? result;
        try
        {
            result = store.Update(key, mutate);
        }
        catch (ObjectNotFoundException)
        {
            throw ApiException.NotFound(type, name);
        }

        var deleted = store.Get(key) is null;
        AfterWrite(type, result!, deleted);
        return Served(type, result!);
    }

    private static JsonObject StatusUpdate(JsonObject current, JsonObject incoming)
    {
        var next = current.DeepClone().AsObject();
        if (incoming["status"] is { } status)
        {
            next["status"] = status.DeepClone();
        }
        else
        {
            next.Remove("status");
        }

        return next;
    }

    private static readonly string[] ImmutableMetadata =
        ["uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "generation", "name", "namespace", "resourceVersion"];

    private static JsonObject MainUpdate(ResourceType type, JsonObject current, JsonObject incoming)
    {
        var meta = ObjectMeta.Metadata(incoming);
        var currentMeta = ObjectMeta.Metadata(current);
        foreach (var field in ImmutableMetadata)
        {
            if (currentMeta[field] is { } value)
            {
                meta[field] = value.DeepClone();
            }
            else
            {
                meta.Remove(field);
            }
        }

        meta.Remove("managedFields");
        incoming["apiVersion"] = current["apiVersion"]?.DeepClone();
        incoming["kind"] = current["kind"]?.DeepClone();
        if (type.HasStatus)
        {
            if (current["status"] is { } status)
            {
                incoming["status"] = status.DeepClone();
            }
            else
            {
                incoming.Remove("status");
            }
        }

        return incoming;
    }

    private static bool SpecChanged(ResourceType type, JsonObject current, JsonObject next)
    {
        static JsonObject Body(JsonObject o, bool dropStatus)
        {
            var copy = new JsonObject();
            foreach (var (k, v) in o)
            {
                if (k is "metadata" or "apiVersion" or "kind" || (dropStatus && k == "status"))
                {
                    continue;
                }

                copy[k] = v?.DeepClone();
            }

            return copy;
        }

        return !JsonNode.DeepEquals(Body(current, type.HasStatus), Body(next, type.HasStatus));
    }

    /// <summary>An object marked for deletion goes once no finalizer (nor a namespace's spec finalizer) holds it.</summary>
    private static bool ReadyToRemove(ResourceType type, JsonObject obj)
    {
        if (ObjectMeta.Finalizers(obj).Count > 0)
        {
            return false;
        }

        return type.GroupResource != Namespaces || obj["spec"]?["finalizers"] is not JsonArray { Count: > 0 };
    }

    private static void CheckKind(ResourceType type, JsonObject body)
    {
        var apiVersion = (string?)body["apiVersion"];
        var kind = (string?)body["kind"];
        if (!string.IsNullOrEmpty(kind) && kind != type.Kind)
        {
            throw ApiException.BadRequest($"the kind of the object ({kind}) does not match the kind of the URL ({type.Kind})");
        }

        if (!string.IsNullOrEmpty(apiVersion) && apiVersion != type.GroupVersion)
        {
            throw ApiException.BadRequest($"the API version in the data ({apiVersion}) does not match the expected API version ({type.GroupVersion})");
        }

        body["apiVersion"] = type.GroupVersion;
        body["kind"] = type.Kind;
    }

    private void RequireLiveNamespace(ResourceType type, string ns, string name)
    {
        var namespaceObject = store.Get(new ObjectKey(Namespaces, "", ns))
            ?? throw ApiException.NotFound($"namespaces \"{ns}\" not found");
        if (ObjectMeta.IsDeleting(namespaceObject))
        {
            throw ApiException.Forbidden(type, name,
                $"unable to create new content in namespace {ns} because it is being terminated");
        }
    }

    private JsonObject Admit(ResourceType type, JsonObject obj, WriteOptions options)
    {
        var (admitted, warnings) = admission.Admit(type, obj, options.FieldValidation);
        options.Warnings.AddRange(warnings);
        return admitted;
    }

    private void AfterWrite(ResourceType type, JsonObject obj, bool deleted)
    {
        if (type.GroupResource == Crds)
        {
            if (deleted)
            {
                registry.UnregisterCrd(ObjectMeta.Name(obj));
            }
            else
            {
                registry.RegisterCrd(obj);
            }
        }

        changed();
    }

    /// <summary>Objects are stored in one version and served in the requested one (no conversion: same schema).</summary>
    private static JsonObject Served(ResourceType type, JsonObject obj)
    {
        obj["apiVersion"] = type.GroupVersion;
        obj["kind"] = type.Kind;
        return obj;
    }

    private static string RandomSuffix()
    {
        const string alphabet = "bcdfghjklmnpqrstvwxz2456789";
        return string.Create(5, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = alphabet[System.Security.Cryptography.RandomNumberGenerator.GetInt32(alphabet.Length)];
            }
        });
    }
}
