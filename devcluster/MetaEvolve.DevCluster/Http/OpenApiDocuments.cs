using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Api;

namespace MetaEvolve.DevCluster.Http;

/// <summary>
/// OpenAPI v3 documents per group/version, built from the served types: each CRD's schema (so
/// <c>kubectl explain</c> prints its descriptions) and permissive schemas for built-ins. Every PATCH
/// operation carries <c>x-kubernetes-group-version-kind</c> and the <c>fieldValidation</c> parameter, which
/// is how kubectl decides to leave field validation to the server. Built-in PATCH operations do not
/// advertise strategic merge, so kubectl computes those patches from its compiled-in types.
/// </summary>
public sealed class OpenApiDocuments(ResourceRegistry registry)
{
    private const string ObjectMetaRef = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta";
    private const string ListMetaRef = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta";
    private const string PatchRef = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch";
    private const string StatusRef = "io.k8s.apimachinery.pkg.apis.meta.v1.Status";
    private const string DeleteOptionsRef = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions";
    private const string ScaleRef = "io.k8s.api.autoscaling.v1.Scale";

    private readonly Lock _gate = new();
    private long _builtAt = -1;
    private Dictionary<string, (JsonObject Document, string Hash)> _documents = [];

    /// <summary>The <c>/openapi/v3</c> index: one entry per group/version with a content hash.</summary>
    public JsonObject Index()
    {
        var paths = new JsonObject();
        foreach (var (key, (_, hash)) in Documents().OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            paths[key] = new JsonObject { ["serverRelativeURL"] = $"/openapi/v3/{key}?hash={hash}" };
        }

        return new JsonObject { ["paths"] = paths };
    }

    /// <summary>The document for "api/v1" or "apis/group/version", or null.</summary>
    public JsonObject? Document(string key) => Documents().TryGetValue(key, out var d) ? d.Document : null;

    private Dictionary<string, (JsonObject Document, string Hash)> Documents()
    {
        lock (_gate)
        {
            if (_builtAt != registry.Revision)
            {
                _builtAt = registry.Revision;
                _documents = registry.All.GroupBy(t => t.GroupVersion).ToDictionary(
                    g => g.First().Group.Length == 0 ? "api/" + g.First().Version : "apis/" + g.Key,
                    g =>
                    {
                        var doc = Build(g.ToList());
                        var hash = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(doc.ToJsonString())));
                        return (doc, hash);
                    },
                    StringComparer.Ordinal);
            }

            return _documents;
        }
    }

    private static JsonObject Build(List<ResourceType> types)
    {
        var schemas = new JsonObject
        {
            [ObjectMetaRef] = ObjectMetaSchema(),
            [ListMetaRef] = new JsonObject
            {
                ["type"] = "object",
                ["description"] = "ListMeta describes metadata that synthetic resources must have, including lists.",
                ["properties"] = new JsonObject
                {
                    ["resourceVersion"] = Str("String that identifies the server's internal version of this list."),
                    ["continue"] = Str("continue may be set if the user set a limit on the number of items returned."),
                },
            },
            [PatchRef] = new JsonObject { ["type"] = "object", ["description"] = "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body." },
            [StatusRef] = new JsonObject { ["type"] = "object", ["description"] = "Status is a return value for calls that don't return other objects.", ["x-kubernetes-preserve-unknown-fields"] = true },
            [DeleteOptionsRef] = new JsonObject { ["type"] = "object", ["description"] = "DeleteOptions may be provided when deleting an API object.", ["x-kubernetes-preserve-unknown-fields"] = true },
        };
        if (types.Any(t => t.Scale is not null))
        {
            schemas[ScaleRef] = ScaleSchema();
        }

        var paths = new JsonObject();
        foreach (var t in types)
        {
            var name = SchemaName(t);
            schemas[name] = KindSchema(t);
            schemas[name + "List"] = ListSchema(t, name);
            AddPaths(paths, t, name);
        }

        return new JsonObject
        {
            ["openapi"] = "3.0.0",
            ["info"] = new JsonObject { ["title"] = "Kubernetes (MetaEvolve dev control plane)", ["version"] = "unversioned" },
            ["paths"] = paths,
            ["components"] = new JsonObject { ["schemas"] = schemas },
        };
    }

    private static string SchemaName(ResourceType t)
    {
        if (t.IsCustom)
        {
            var reversed = string.Join(".", t.Group.Split('.').Reverse());
            return $"{reversed}.{t.Version}.{t.Kind}";
        }

        var group = t.Group.Length == 0 ? "core" : t.Group.Split('.')[0];
        return $"io.k8s.api.{group}.{t.Version}.{t.Kind}";
    }

    private static JsonObject Gvk(string group, string version, string kind) =>
        new() { ["group"] = group, ["kind"] = kind, ["version"] = version };

    private static JsonObject Ref(string name) => new() { ["$ref"] = "#/components/schemas/" + name };

    private static JsonObject Str(string description) => new() { ["type"] = "string", ["description"] = description };

    private static JsonObject KindSchema(ResourceType t)
    {
        var schema = t.Schema?.DeepClone().AsObject() ?? new JsonObject
        {
            ["type"] = "object",
            ["description"] = $"{t.Kind} as served by the MetaEvolve dev control plane (schema not published for built-ins).",
            ["x-kubernetes-preserve-unknown-fields"] = true,
        };
        if (schema["properties"] is not JsonObject properties)
        {
            properties = [];
            schema["properties"] = properties;
        }

        properties["apiVersion"] ??= Str("APIVersion defines the versioned schema of this representation of an object.");
        properties["kind"] ??= Str("Kind is a string value representing the REST resource this object represents.");
        properties["metadata"] = new JsonObject
        {
            ["description"] = "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata",
            ["allOf"] = new JsonArray(Ref(ObjectMetaRef)),
        };
        schema["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(t.Group, t.Version, t.Kind));
        return schema;
    }

    private static JsonObject ListSchema(ResourceType t, string itemName) => new()
    {
        ["type"] = "object",
        ["description"] = $"{t.ListKind} is a list of {t.Kind}",
        ["required"] = new JsonArray("items"),
        ["properties"] = new JsonObject
        {
            ["apiVersion"] = Str("APIVersion defines the versioned schema of this representation of an object."),
            ["kind"] = Str("Kind is a string value representing the REST resource this object represents."),
            ["items"] = new JsonObject { ["type"] = "array", ["items"] = Ref(itemName), ["description"] = $"List of {t.Plural}." },
            ["metadata"] = new JsonObject { ["allOf"] = new JsonArray(Ref(ListMetaRef)), ["description"] = "Standard list metadata." },
        },
        ["x-kubernetes-group-version-kind"] = new JsonArray(Gvk(t.Group, t.Version, t.ListKind)),
    };

    private static void AddPaths(JsonObject paths, ResourceType t, string schemaName)
    {
        var prefix = t.Group.Length == 0 ? "/api/v1" : $"/apis/{t.Group}/{t.Version}";
        var scope = t.Namespaced ? "Namespaced" : "";
        var collection = t.Namespaced ? $"{prefix}/namespaces/{{namespace}}/{t.Plural}" : $"{prefix}/{t.Plural}";
        var item = collection + "/{name}";
        var gvk = Gvk(t.Group, t.Version, t.Kind);
        var kindRef = Ref(schemaName);

        paths[collection] = new JsonObject
        {
            ["get"] = Operation($"list{scope}{t.Kind}", "list", gvk, Ref(schemaName + "List"), null, t.Namespaced, named: false),
            ["post"] = Operation($"create{scope}{t.Kind}", "post", gvk, kindRef, JsonBody(kindRef), t.Namespaced, named: false, write: true),
            ["delete"] = Operation($"deletecollection{scope}{t.Kind}", "deletecollection", gvk, Ref(StatusRef), null, t.Namespaced, named: false),
        };
        paths[item] = ItemPaths(scope, t.Kind, gvk, kindRef, t.Namespaced, suffix: "");
        if (t.Namespaced)
        {
            paths[$"{prefix}/{t.Plural}"] = new JsonObject
            {
                ["get"] = Operation($"list{t.Kind}ForAllNamespaces", "list", gvk, Ref(schemaName + "List"), null, namespaced: false, named: false),
            };
        }

        if (t.HasStatus)
        {
            paths[item + "/status"] = ItemPaths(scope, t.Kind, gvk, kindRef, t.Namespaced, suffix: "Status", withDelete: false);
        }

        if (t.Scale is not null)
        {
            paths[item + "/scale"] = ItemPaths(scope, t.Kind, Gvk("autoscaling", "v1", "Scale"), Ref(ScaleRef), t.Namespaced, suffix: "Scale", withDelete: false);
        }
    }

    private static JsonObject ItemPaths(string scope, string kind, JsonObject gvk, JsonObject schema, bool namespaced, string suffix, bool withDelete = true)
    {
        var patchContent = new JsonObject
        {
            ["application/json-patch+json"] = new JsonObject { ["schema"] = Ref(PatchRef) },
            ["application/merge-patch+json"] = new JsonObject { ["schema"] = Ref(PatchRef) },
        };
        var item = new JsonObject
        {
            ["get"] = Operation($"read{scope}{kind}{suffix}", "get", gvk, schema, null, namespaced, named: true),
            ["put"] = Operation($"replace{scope}{kind}{suffix}", "put", gvk, schema, JsonBody(schema), namespaced, named: true, write: true),
            ["patch"] = Operation($"patch{scope}{kind}{suffix}", "patch", gvk, schema,
                new JsonObject { ["content"] = patchContent, ["required"] = true }, namespaced, named: true, write: true),
        };
        if (withDelete)
        {
            item["delete"] = Operation($"delete{scope}{kind}", "delete", gvk, Ref(StatusRef),
                JsonBody(Ref(DeleteOptionsRef)), namespaced, named: true);
        }

        return item;
    }

    private static JsonObject JsonBody(JsonObject schema) => new()
    {
        ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = schema.DeepClone() } },
    };

    private static JsonObject Operation(string id, string action, JsonObject gvk, JsonObject response, JsonObject? body,
        bool namespaced, bool named, bool write = false)
    {
        var parameters = new JsonArray();
        if (named)
        {
            parameters.Add(Parameter("name", "path", "name of the resource", required: true));
        }

        if (namespaced)
        {
            parameters.Add(Parameter("namespace", "path", "object name and auth scope, such as for teams and projects", required: true));
        }

        if (write)
        {
            parameters.Add(Parameter("dryRun", "query", "When present, indicates that modifications should not be persisted."));
            parameters.Add(Parameter("fieldManager", "query", "fieldManager is a name associated with the actor or entity that is making these changes."));
            parameters.Add(Parameter("fieldValidation", "query",
                "fieldValidation instructs the server on how to handle objects in the request containing unknown or duplicate fields. Valid values are: Ignore, Warn, Strict."));
        }

        if (action is "list" or "deletecollection")
        {
            foreach (var p in new[] { "labelSelector", "fieldSelector", "limit", "continue", "resourceVersion", "timeoutSeconds", "watch", "allowWatchBookmarks" })
            {
                parameters.Add(Parameter(p, "query", p));
            }
        }

        var operation = new JsonObject
        {
            ["description"] = $"{action} {gvk["kind"]}",
            ["operationId"] = id,
            ["parameters"] = parameters,
            ["responses"] = new JsonObject
            {
                ["200"] = new JsonObject
                {
                    ["description"] = "OK",
                    ["content"] = new JsonObject { ["application/json"] = new JsonObject { ["schema"] = response.DeepClone() } },
                },
            },
            ["x-kubernetes-action"] = action,
            ["x-kubernetes-group-version-kind"] = gvk.DeepClone(),
        };
        if (body is not null)
        {
            operation["requestBody"] = body.DeepClone();
        }

        return operation;
    }

    private static JsonObject Parameter(string name, string location, string description, bool required = false)
    {
        var p = new JsonObject
        {
            ["name"] = name,
            ["in"] = location,
            ["description"] = description,
            ["schema"] = new JsonObject { ["type"] = "string", ["uniqueItems"] = true },
        };
        if (required)
        {
            p["required"] = true;
        }

        return p;
    }

    private static JsonObject ObjectMetaSchema() => new()
    {
        ["type"] = "object",
        ["description"] = "ObjectMeta is metadata that all persisted resources must have, which includes all objects users must create.",
        ["properties"] = new JsonObject
        {
            ["name"] = Str("Name must be unique within a namespace. Cannot be updated."),
            ["generateName"] = Str("GenerateName is an optional prefix, used by the server, to generate a unique name ONLY IF the Name field has not been provided."),
            ["namespace"] = Str("Namespace defines the space within which each name must be unique."),
            ["uid"] = Str("UID is the unique in time and space value for this object."),
            ["resourceVersion"] = Str("An opaque value that represents the internal version of this object, used for optimistic concurrency."),
            ["generation"] = new JsonObject { ["type"] = "integer", ["format"] = "int64", ["description"] = "A sequence number representing a specific generation of the desired state." },
            ["creationTimestamp"] = new JsonObject { ["type"] = "string", ["format"] = "date-time", ["description"] = "CreationTimestamp is a timestamp representing the server time when this object was created." },
            ["deletionTimestamp"] = new JsonObject { ["type"] = "string", ["format"] = "date-time", ["description"] = "DeletionTimestamp is RFC 3339 date and time at which this resource will be deleted." },
            ["labels"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "string" }, ["description"] = "Map of string keys and values that can be used to organize and categorize objects." },
            ["annotations"] = new JsonObject { ["type"] = "object", ["additionalProperties"] = new JsonObject { ["type"] = "string" }, ["description"] = "Annotations is an unstructured key value map stored with a resource." },
            ["finalizers"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" }, ["description"] = "Must be empty before the object is deleted from the registry." },
            ["ownerReferences"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "object", ["x-kubernetes-preserve-unknown-fields"] = true }, ["description"] = "List of objects depended by this object." },
        },
    };

    private static JsonObject ScaleSchema() => new()
    {
        ["type"] = "object",
        ["description"] = "Scale represents a scaling request for a resource.",
        ["properties"] = new JsonObject
        {
            ["apiVersion"] = Str("APIVersion defines the versioned schema of this representation of an object."),
            ["kind"] = Str("Kind is a string value representing the REST resource this object represents."),
            ["metadata"] = new JsonObject { ["allOf"] = new JsonArray(Ref(ObjectMetaRef)), ["description"] = "Standard object metadata." },
            ["spec"] = new JsonObject
            {
                ["type"] = "object",
                ["description"] = "spec defines the behavior of the scale.",
                ["properties"] = new JsonObject { ["replicas"] = new JsonObject { ["type"] = "integer", ["format"] = "int32", ["description"] = "replicas is the desired number of instances for the scaled object." } },
            },
            ["status"] = new JsonObject
            {
                ["type"] = "object",
                ["description"] = "status is the current status of the scale.",
                ["properties"] = new JsonObject
                {
                    ["replicas"] = new JsonObject { ["type"] = "integer", ["format"] = "int32", ["description"] = "replicas is the actual number of observed instances of the scaled object." },
                    ["selector"] = Str("selector is the label query over pods that should match the replicas count."),
                },
            },
        },
        ["x-kubernetes-group-version-kind"] = new JsonArray(Gvk("autoscaling", "v1", "Scale")),
    };
}
