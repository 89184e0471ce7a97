using System.Text.Json.Nodes;
using MetaEvolve.Crds.Labels;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Http;
using MetaEvolve.DevCluster.Patching;

namespace MetaEvolve.DevCluster.Semantics;

/// <summary>
/// The <c>/scale</c> subresource (autoscaling/v1 Scale) over the paths a type declares: what
/// <c>kubectl scale</c> and an HPA read and write. Writing it changes only the spec replicas path.
/// </summary>
public sealed class ScaleOperations(ResourceOperations operations)
{
    public JsonObject Get(ResourceType type, string ns, string name) => ToScale(type, operations.Get(type, ns, name));

    public JsonObject Update(ResourceType type, string ns, string name, JsonObject scale, WriteOptions options)
    {
        var replicas = scale["spec"]?["replicas"] ?? throw ApiException.BadRequest("spec.replicas is required");
        var expected = ObjectMeta.ResourceVersion(scale);
        return Apply(type, ns, name, expected, replicas.GetValue<long>(), options);
    }

    public JsonObject Patch(ResourceType type, string ns, string name, string contentType, string patchText, WriteOptions options)
    {
        var current = Get(type, ns, name);
        var patch = JsonNode.Parse(patchText) ?? throw ApiException.BadRequest("empty patch");
        var patched = contentType.Split(';')[0].Trim() switch
        {
            "application/json-patch+json" when patch is JsonArray ops => (JsonObject)JsonPatch.Apply(current, ops),
            "application/merge-patch+json" when patch is JsonObject p => (JsonObject)JsonMergePatch.Apply(current, p)!,
            "application/strategic-merge-patch+json" when patch is JsonObject p => StrategicMergePatch.Apply(current, p),
            var other => throw ApiException.UnsupportedMediaType(other),
        };
        var replicas = patched["spec"]?["replicas"]?.GetValue<long>() ?? 0;
        return Apply(type, ns, name, ObjectMeta.ResourceVersion(patched), replicas, options);
    }

    private JsonObject Apply(ResourceType type, string ns, string name, string expectedRv, long replicas, WriteOptions options)
    {
        var scale = type.Scale!;
        var patch = BuildPatch(scale.SpecReplicasPath, replicas);
        ObjectMeta.Metadata(patch)["resourceVersion"] = expectedRv.Length > 0 ? expectedRv : null;
        if (expectedRv.Length == 0)
        {
            ObjectMeta.Metadata(patch).Remove("resourceVersion");
        }

        var updated = operations.Patch(type, ns, name, "application/merge-patch+json", patch.ToJsonString(), null, options);
        return ToScale(type, updated);
    }

    private static JsonObject BuildPatch(string path, long replicas)
    {
        var parts = path.TrimStart('.').Split('.');
        var root = new JsonObject();
        var node = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            var child = new JsonObject();
            node[parts[i]] = child;
            node = child;
        }

        node[parts[^1]] = replicas;
        return root;
    }

    private static JsonObject ToScale(ResourceType type, JsonObject obj)
    {
        var scale = type.Scale!;
        var spec = JsonPathQuery.Evaluate(obj, scale.SpecReplicasPath).FirstOrDefault();
        var status = JsonPathQuery.Evaluate(obj, scale.StatusReplicasPath).FirstOrDefault();
        var selectorNode = scale.LabelSelectorPath is null ? null : JsonPathQuery.Evaluate(obj, scale.LabelSelectorPath).FirstOrDefault();
        var selector = selectorNode switch
        {
            JsonObject o => LabelSelector.Format(o),
            null => null,
            _ => JsonPathQuery.Text(selectorNode),
        };
        var meta = obj["metadata"]!;
        var statusObject = new JsonObject { ["replicas"] = status?.GetValue<long>() ?? 0 };
        if (selector is not null)
        {
            statusObject["selector"] = selector;
        }

        return new JsonObject
        {
            ["kind"] = "Scale",
            ["apiVersion"] = "autoscaling/v1",
            ["metadata"] = new JsonObject
            {
                ["name"] = meta["name"]?.DeepClone(),
                ["namespace"] = meta["namespace"]?.DeepClone(),
                ["uid"] = meta["uid"]?.DeepClone(),
                ["resourceVersion"] = meta["resourceVersion"]?.DeepClone(),
                ["creationTimestamp"] = meta["creationTimestamp"]?.DeepClone(),
            },
            ["spec"] = new JsonObject { ["replicas"] = spec?.GetValue<long>() ?? 0 },
            ["status"] = statusObject,
        };
    }
}
