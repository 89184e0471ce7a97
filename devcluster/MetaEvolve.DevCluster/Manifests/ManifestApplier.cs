using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Http;
using MetaEvolve.DevCluster.Semantics;

namespace MetaEvolve.DevCluster.Manifests;

/// <summary>What applying one manifest did, in kubectl's words (created, configured, unchanged) or why it failed.</summary>
public sealed record ApplyOutcome(string Resource, string Name, string Result, bool Succeeded);

/// <summary>
/// Applies manifests in process the way client-side <c>kubectl apply</c> leaves them: the
/// last-applied-configuration annotation is kept, so a later <c>kubectl apply</c> of the same files
/// reports "unchanged" and computes its patches from it.
/// </summary>
public sealed class ManifestApplier(ResourceOperations operations)
{
    private const string LastApplied = "kubectl.kubernetes.io/last-applied-configuration";

    public ApplyOutcome Apply(JsonObject manifest, string defaultNamespace = "default")
    {
        var apiVersion = (string?)manifest["apiVersion"] ?? "";
        var kind = (string?)manifest["kind"] ?? "";
        var name = ObjectMeta.Name(manifest);
        var type = operations.Registry.ForKind(apiVersion, kind);
        if (type is null)
        {
            return new ApplyOutcome($"{kind}", name, $"no matches for kind \"{kind}\" in version \"{apiVersion}\"", false);
        }

        var label = $"{type.Singular}{(type.Group.Length == 0 ? "" : "." + type.Group)}/{name}";
        var ns = type.Namespaced ? (ObjectMeta.Namespace(manifest) is { Length: > 0 } declared ? declared : defaultNamespace) : "";
        var desired = manifest.DeepClone().AsObject();
        if (type.Namespaced)
        {
            ObjectMeta.Metadata(desired)["namespace"] = ns;
        }

        var annotations = ObjectMeta.Metadata(desired)["annotations"] as JsonObject ?? [];
        ObjectMeta.Metadata(desired)["annotations"] = annotations;
        var applied = desired.DeepClone().AsObject();
        ObjectMeta.Metadata(applied)["annotations"] = annotations.DeepClone();
        annotations[LastApplied] = GoJson.Serialize(applied) + "\n";

        try
        {
            JsonObject current;
            try
            {
                current = operations.Get(type, ns, name);
            }
            catch (ApiException e) when (e.Code == 404)
            {
                operations.Create(type, ns, desired, new WriteOptions());
                return new ApplyOutcome(type.QualifiedName, name, $"{label} created", true);
            }

            var before = ObjectMeta.ResourceVersion(current);
            var patch = new JsonObject();
            foreach (var (key, value) in desired)
            {
                if (key is not ("apiVersion" or "kind" or "status"))
                {
                    patch[key] = value?.DeepClone();
                }
            }

            var result = operations.Patch(type, ns, name, "application/merge-patch+json", patch.ToJsonString(), null, new WriteOptions());
            return new ApplyOutcome(type.QualifiedName, name,
                ObjectMeta.ResourceVersion(result) == before ? $"{label} unchanged" : $"{label} configured", true);
        }
        catch (ApiException e)
        {
            return new ApplyOutcome(type.QualifiedName, name, e.Message, false);
        }
    }
}
