using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.DevCluster.Tests;

public sealed class DevMetricsApiTests
{
    [Fact]
    public void Dev_up_registers_a_selectorless_service_with_loopback_endpoints_behind_the_apiservice()
    {
        var manifests = DevMetricsApi.Manifests(18443);
        var service = manifests.Single(m => (string?)m["kind"] == "Service");
        var endpoints = manifests.Single(m => (string?)m["kind"] == "Endpoints");
        var apiService = manifests.Single(m => (string?)m["kind"] == "APIService");

        // Without a selector, the endpoints controller leaves the hand-written Endpoints alone.
        Assert.Null(service["spec"]!["selector"]);
        Assert.Equal(443, (int?)service["spec"]!["ports"]![0]!["port"]);
        Assert.Equal("127.0.0.1", (string?)endpoints["subsets"]![0]!["addresses"]![0]!["ip"]);
        Assert.Equal(18443, (int?)endpoints["subsets"]![0]!["ports"]![0]!["port"]);
        Assert.Equal("https", (string?)endpoints["subsets"]![0]!["ports"]![0]!["name"]);
        Assert.Equal("v1beta1.external.metrics.k8s.io", (string?)apiService["metadata"]!["name"]);
        Assert.Equal(service["metadata"]!["name"]!.ToString(), (string?)apiService["spec"]!["service"]!["name"]);
        Assert.True((bool?)apiService["spec"]!["insecureSkipTLSVerify"]);
    }
}
