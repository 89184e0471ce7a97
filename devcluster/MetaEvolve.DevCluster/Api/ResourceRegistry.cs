using System.Text.Json.Nodes;

namespace MetaEvolve.DevCluster.Api;

/// <summary>
/// The resources this server serves: the built-ins plus every established CRD version. Readers get
/// immutable snapshots, so discovery and OpenAPI see a CRD as soon as its create returns.
/// </summary>
public sealed class ResourceRegistry
{
    private readonly Lock _gate = new();
    private IReadOnlyList<ResourceType> _custom = [];

    /// <summary>Bumped on every change, so documents derived from the registry can be cached by it.</summary>
    public long Revision { get; private set; }

    public IReadOnlyList<ResourceType> All
    {
        get
        {
            lock (_gate)
            {
                return [.. BuiltInResources.All, .. _custom];
            }
        }
    }

    public ResourceType? Find(string group, string version, string plural) =>
        All.FirstOrDefault(t => t.Group == group && t.Version == version && t.Plural == plural);

    /// <summary>The version objects of a group/resource are stored and garbage-collected through.</summary>
    public ResourceType? Storage(GroupResource resource)
    {
        var served = All.Where(t => t.GroupResource == resource).ToList();
        return served.FirstOrDefault(t => t.Crd is null || IsStorageVersion(t)) ?? served.FirstOrDefault();
    }

    /// <summary>The resource type owning a kind in an apiVersion (used to resolve ownerReferences).</summary>
    public ResourceType? ForKind(string apiVersion, string kind)
    {
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var group = slash < 0 ? "" : apiVersion[..slash];
        var version = slash < 0 ? apiVersion : apiVersion[(slash + 1)..];
        return All.FirstOrDefault(t => t.Group == group && t.Version == version && t.Kind == kind)
            ?? All.FirstOrDefault(t => t.Group == group && t.Kind == kind);
    }

    /// <summary>Serves (or re-serves after an update) every served version of a CRD.</summary>
    public void RegisterCrd(JsonObject crd)
    {
        var name = (string?)crd["metadata"]?["name"];
        var types = CrdResourceTypes.From(crd);
        lock (_gate)
        {
            _custom = [.. _custom.Where(t => (string?)t.Crd!["metadata"]?["name"] != name), .. types];
            Revision++;
        }
    }

    public void UnregisterCrd(string crdName)
    {
        lock (_gate)
        {
            _custom = [.. _custom.Where(t => (string?)t.Crd!["metadata"]?["name"] != crdName)];
            Revision++;
        }
    }

    private static bool IsStorageVersion(ResourceType type)
    {
        foreach (var v in type.Crd!["spec"]?["versions"]?.AsArray() ?? [])
        {
            if ((string?)v?["name"] == type.Version)
            {
                return v?["storage"]?.GetValue<bool>() ?? true;
            }
        }

        return true;
    }
}
