using k8s;
using k8s.Models;
using MetaEvolve.Operator.Runtime;

namespace MetaEvolve.Operator.Tests.Runtime;

public class ChangeFiltersTests
{
    private static V1Deployment Object(string resourceVersion, long generation = 1, string? finalizer = null) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "a",
            NamespaceProperty = "ns",
            ResourceVersion = resourceVersion,
            Generation = generation,
            Finalizers = finalizer is null ? null : [finalizer],
        },
    };

    [Fact]
    public void A_status_only_update_is_recognised_and_a_spec_or_finalizer_change_is_not()
    {
        Assert.True(ChangeFilters.StatusOnly(new ObjectChange<V1Deployment>(WatchEventType.Modified, Object("2"), Object("1"))));
        Assert.False(ChangeFilters.StatusOnly(new ObjectChange<V1Deployment>(WatchEventType.Modified, Object("2", generation: 2), Object("1"))));
        Assert.False(ChangeFilters.StatusOnly(new ObjectChange<V1Deployment>(WatchEventType.Modified, Object("2", finalizer: "x"), Object("1"))));
        Assert.False(ChangeFilters.StatusOnly(new ObjectChange<V1Deployment>(WatchEventType.Added, Object("2"), null)));
    }

    [Fact]
    public void The_event_of_a_version_already_cached_is_known_and_a_deletion_never_is()
    {
        Assert.True(ChangeFilters.AlreadyKnown(new ObjectChange<V1Deployment>(WatchEventType.Modified, Object("2"), Object("2"))));
        Assert.False(ChangeFilters.AlreadyKnown(new ObjectChange<V1Deployment>(WatchEventType.Modified, Object("3"), Object("2"))));
        Assert.False(ChangeFilters.AlreadyKnown(new ObjectChange<V1Deployment>(WatchEventType.Deleted, Object("2"), Object("2"))));
        Assert.True(ChangeFilters.ExistenceChanged(new ObjectChange<V1Deployment>(WatchEventType.Added, Object("1"), null)));
        Assert.False(ChangeFilters.ExistenceChanged(new ObjectChange<V1Deployment>(WatchEventType.Modified, Object("2"), Object("1"))));
    }
}
