using MetaEvolve.Operator.ExternalMetrics;

namespace MetaEvolve.Operator.Tests.ExternalMetrics;

public sealed class AuthorizationAttributesTests
{
    private static readonly AggregatorUser Hpa = new("system:serviceaccount:kube-system:horizontal-pod-autoscaler",
        ["system:serviceaccounts", "system:authenticated"], new Dictionary<string, IReadOnlyList<string>> { ["scopes"] = ["a"] });

    [Fact]
    public void A_metric_read_is_a_list_of_the_metric_as_a_resource_of_the_group_in_its_namespace()
    {
        var attributes = AuthorizationAttributes.Of("GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/team-a/metaevolve_pool_queue_lag");
        var review = DelegatedAuthorizer.Review(Hpa, attributes);

        Assert.Equal(Hpa.Name, review.Spec.User);
        Assert.Equal(Hpa.Groups, review.Spec.Groups);
        Assert.Equal(["a"], review.Spec.Extra["scopes"]);
        Assert.Null(review.Spec.NonResourceAttributes);
        var resource = review.Spec.ResourceAttributes;
        Assert.Equal(("list", "external.metrics.k8s.io", "v1beta1", "metaevolve_pool_queue_lag", "team-a"),
            (resource.Verb, resource.Group, resource.Version, resource.Resource, resource.NamespaceProperty));
        Assert.Null(resource.Name);
    }

    [Fact]
    public void A_named_metric_read_is_a_get()
    {
        var attributes = AuthorizationAttributes.Of("GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/team-a/metric/one");
        Assert.Equal(("get", "metric", "one"), (attributes.Verb, attributes.Resource, attributes.Name));
    }

    [Theory]
    [InlineData("/apis")]
    [InlineData("/apis/external.metrics.k8s.io")]
    [InlineData("/apis/external.metrics.k8s.io/v1beta1")]
    [InlineData("/openapi/v2")]
    public void Discovery_is_a_non_resource_get_of_its_path(string path)
    {
        var review = DelegatedAuthorizer.Review(Hpa, AuthorizationAttributes.Of("GET", path));
        Assert.Null(review.Spec.ResourceAttributes);
        Assert.Equal((path, "get"), (review.Spec.NonResourceAttributes.Path, review.Spec.NonResourceAttributes.Verb));
    }

    [Fact]
    public void A_denial_names_the_verb_resource_and_namespace()
    {
        var attributes = AuthorizationAttributes.Of("GET", "/apis/external.metrics.k8s.io/v1beta1/namespaces/team-a/metric");
        Assert.Equal("list resource \"metric\" in API group \"external.metrics.k8s.io\" in the namespace \"team-a\"", attributes.ToString());
    }
}
