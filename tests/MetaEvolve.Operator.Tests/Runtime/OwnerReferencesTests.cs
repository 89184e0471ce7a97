using k8s.Models;
using MetaEvolve.Crds;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Tests.Runtime;

public class OwnerReferencesTests
{
    private static readonly ResourceKind Pool = ResourceKind.Of<V1Alpha1AgentPool>();

    private static V1ObjectMeta Child(params V1OwnerReference[] owners) => new() { Name = "child", NamespaceProperty = "team", OwnerReferences = owners };

    private static V1OwnerReference Ref(string apiVersion, string kind, string name, bool? controller) =>
        new() { ApiVersion = apiVersion, Kind = kind, Name = name, Uid = "u-" + name, Controller = controller };

    [Fact]
    public void The_controlling_reference_of_the_owner_kind_names_the_owner_in_the_childs_namespace()
    {
        var key = OwnerReferences.ControllerOf(Child(Ref("metaevolve.io/v1alpha1", "AgentPool", "general", controller: true)), Pool);
        Assert.Equal(new ObjectKey("team", "general"), key);
    }

    [Theory]
    [InlineData("metaevolve.io/v1alpha1", "AgentPool", false)]
    [InlineData("metaevolve.io/v1alpha1", "AgentPool", null)]
    [InlineData("other.io/v1alpha1", "AgentPool", true)]
    [InlineData("metaevolve.io/v1alpha1", "Agent", true)]
    [InlineData("v1", "AgentPool", true)]
    public void A_reference_that_is_not_controlling_or_names_another_group_or_kind_maps_to_nothing(string apiVersion, string kind, bool? controller)
    {
        Assert.Null(OwnerReferences.ControllerOf(Child(Ref(apiVersion, kind, "general", controller)), Pool));
    }

    [Fact]
    public void Another_version_of_the_owners_group_still_maps_and_core_kinds_match_a_bare_version()
    {
        Assert.Equal(new ObjectKey("team", "general"), OwnerReferences.ControllerOf(Child(Ref("metaevolve.io/v1beta1", "AgentPool", "general", true)), Pool));
        Assert.Equal(new ObjectKey("team", "settings"), OwnerReferences.ControllerOf(Child(Ref("v1", "ConfigMap", "settings", true)), ResourceKind.Of<V1ConfigMap>()));
        Assert.Null(OwnerReferences.ControllerOf(Child(Ref("apps/v1", "ConfigMap", "settings", true)), ResourceKind.Of<V1ConfigMap>()));
    }
}
