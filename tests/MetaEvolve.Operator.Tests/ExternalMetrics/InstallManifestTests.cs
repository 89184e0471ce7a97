using MetaEvolve.DevCluster.Local;
using MetaEvolve.DevCluster.Manifests;
using MetaEvolve.Operator.ExternalMetrics;

namespace MetaEvolve.Operator.Tests.ExternalMetrics;

public sealed class InstallManifestTests
{
    [Fact]
    public void The_apiservice_points_at_the_service_the_generated_certificate_names()
    {
        var manifests = ManifestReader.ReadDirectory(Path.Combine(RepositoryRoot.Path, "config", "external-metrics"));
        var service = manifests.Single(m => (string?)m["kind"] == "Service");
        var apiService = manifests.Single(m => (string?)m["kind"] == "APIService");

        Assert.Equal("v1beta1.external.metrics.k8s.io", (string?)apiService["metadata"]!["name"]);
        Assert.Equal(ExternalMetricsDocuments.Group, (string?)apiService["spec"]!["group"]);
        Assert.Equal(ExternalMetricsDocuments.Version, (string?)apiService["spec"]!["version"]);
        Assert.True((bool?)apiService["spec"]!["insecureSkipTLSVerify"]);
        Assert.Equal(ServingCertificate.ServiceName, (string?)service["metadata"]!["name"]);
        Assert.Equal((string?)service["metadata"]!["name"], (string?)apiService["spec"]!["service"]!["name"]);
        Assert.Equal((string?)service["metadata"]!["namespace"], (string?)apiService["spec"]!["service"]!["namespace"]);
        var port = service["spec"]!["ports"]!.AsArray().Single()!;
        Assert.Equal(443L, (long?)apiService["spec"]!["service"]!["port"]);
        Assert.Equal(443L, (long?)port["port"]);
        Assert.Equal("https", (string?)port["targetPort"]);
        Assert.NotNull(service["spec"]!["selector"]);
    }
}
