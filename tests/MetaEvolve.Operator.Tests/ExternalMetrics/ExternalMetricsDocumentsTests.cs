using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using MetaEvolve.Operator.ExternalMetrics;
using MetaEvolve.Operator.Scaling;
using Microsoft.Extensions.Logging.Abstractions;

namespace MetaEvolve.Operator.Tests.ExternalMetrics;

public sealed class ExternalMetricsDocumentsTests
{
    [Fact]
    public void A_value_list_carries_each_pools_lag_as_a_quantity_with_its_pool_label()
    {
        var at = new DateTime(2026, 11, 28, 3, 4, 5, DateTimeKind.Utc);
        var list = ExternalMetricsDocuments.ValueList([new QueueLagSeries("alpha", new QueueLag(1200, 34, 2, at))]);

        Assert.True(JsonNode.DeepEquals(JsonNode.Parse("""
            {"kind":"ExternalMetricValueList","apiVersion":"external.metrics.k8s.io/v1beta1","metadata":{},
             "items":[{"metricName":"metaevolve_pool_queue_lag","metricLabels":{"metaevolve.io/pool":"alpha"},
                       "timestamp":"2026-11-28T03:04:05Z","value":"1234"}]}
            """), list), list.ToJsonString());
    }

    [Fact]
    public void An_empty_value_list_still_has_an_items_array() =>
        Assert.Empty(ExternalMetricsDocuments.ValueList([])["items"]!.AsArray());

    [Fact]
    public void The_resource_list_names_the_metric_namespaced_with_verb_get()
    {
        var list = ExternalMetricsDocuments.ResourceList();
        Assert.Equal("external.metrics.k8s.io/v1beta1", (string?)list["groupVersion"]);
        var resource = Assert.Single(list["resources"]!.AsArray())!;
        Assert.Equal(QueueLagMetric.Name, (string?)resource["name"]);
        Assert.True((bool?)resource["namespaced"]);
        Assert.Equal(["get"], resource["verbs"]!.AsArray().Select(v => (string?)v));
    }

    [Fact]
    public void A_failure_is_a_status_like_the_api_servers()
    {
        var status = ExternalMetricsDocuments.Status(503, "ServiceUnavailable", "pool x has no consumer");
        Assert.Equal(("Status", "Failure", 503, "ServiceUnavailable", "pool x has no consumer"),
            ((string?)status["kind"], (string?)status["status"], (int?)status["code"], (string?)status["reason"], (string?)status["message"]));
    }

    [Fact]
    public void The_generated_certificate_names_the_operator_service_and_loopback()
    {
        using var certificate = ServingCertificate.SelfSigned("metaevolve-system", DateTimeOffset.UtcNow);
        var names = certificate.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains("metaevolve-operator.metaevolve-system.svc", names.EnumerateDnsNames());
        Assert.Contains("localhost", names.EnumerateDnsNames());
        Assert.Contains(System.Net.IPAddress.Loopback, names.EnumerateIPAddresses());
        Assert.True(certificate.HasPrivateKey);
        Assert.True(certificate.MatchesHostname("metaevolve-operator.metaevolve-system.svc"));
    }

    [Fact]
    public void A_mounted_pem_pair_is_served_instead_of_a_generated_certificate()
    {
        var directory = Directory.CreateTempSubdirectory("serving-cert-").FullName;
        try
        {
            using var source = ServingCertificate.SelfSigned("mounted", DateTimeOffset.UtcNow);
            File.WriteAllText(Path.Combine(directory, "tls.crt"), source.ExportCertificatePem());
            File.WriteAllText(Path.Combine(directory, "tls.key"), source.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
            var options = new ExternalMetricsOptions { CertificateFile = Path.Combine(directory, "tls.crt"), KeyFile = Path.Combine(directory, "tls.key") };

            using var loaded = ServingCertificate.Load(options, "other-namespace", TimeProvider.System, NullLogger.Instance);
            Assert.Equal(source.Thumbprint, loaded.Current.Thumbprint);
            Assert.True(loaded.Current.HasPrivateKey);
            Assert.Throws<InvalidOperationException>(() => ServingCertificate.Load(options with { KeyFile = null }, "x", TimeProvider.System, NullLogger.Instance));
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }
}
