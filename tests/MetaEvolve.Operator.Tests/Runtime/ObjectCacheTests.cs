using k8s.Models;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Tests.Runtime;

/// <summary>resourceVersions are opaque: these use ones that are not numbers and do not sort in the order they were issued.</summary>
public class ObjectCacheTests
{
    private static readonly ObjectKey Key = new("ns", "a");

    private static V1ConfigMap Map(string resourceVersion, string value) => new()
    {
        Metadata = new V1ObjectMeta { Name = "a", NamespaceProperty = "ns", ResourceVersion = resourceVersion },
        Data = new Dictionary<string, string> { ["v"] = value },
    };

    [Fact]
    public void Managed_fields_and_the_last_applied_copy_are_not_cached()
    {
        var cache = new ObjectCache<V1ConfigMap>();
        var map = Map("zz", "watched");
        map.Metadata.ManagedFields = [new V1ManagedFieldsEntry { Manager = "kubectl", Operation = "Apply" }];
        map.Metadata.Annotations = new Dictionary<string, string> { ["kubectl.kubernetes.io/last-applied-configuration"] = "{...}", ["keep"] = "me" };

        cache.Set(map);

        var cached = cache.Get(Key)!;
        Assert.Null(cached.Metadata.ManagedFields);
        Assert.Equal(["keep"], cached.Metadata.Annotations.Keys);
    }

    [Fact]
    public void A_write_the_watch_has_not_delivered_yet_replaces_the_cached_version()
    {
        var cache = new ObjectCache<V1ConfigMap>();
        cache.Set(Map("zz", "watched"));

        cache.Remember(Map("aa", "written"));

        Assert.Equal("written", cache.Get(Key)!.Data["v"]);
    }

    [Fact]
    public void A_write_the_watch_already_delivered_does_not_hide_the_newer_versions_it_delivered_since()
    {
        var cache = new ObjectCache<V1ConfigMap>();
        cache.Set(Map("zz", "written, then watched"));
        cache.Set(Map("aa", "newer"));

        cache.Remember(Map("zz", "written"));

        Assert.Equal("newer", cache.Get(Key)!.Data["v"]);
    }

    [Fact]
    public void The_watch_delivering_the_written_version_and_later_ones_takes_over_again()
    {
        var cache = new ObjectCache<V1ConfigMap>();
        cache.Remember(Map("k7", "written"));
        cache.Set(Map("k7", "written, watched"));
        cache.Set(Map("b2", "later"));

        Assert.Equal("later", cache.Get(Key)!.Data["v"]);
    }
}
