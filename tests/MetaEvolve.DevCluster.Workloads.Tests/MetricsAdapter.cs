using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s;
using k8s.Models;

namespace MetaEvolve.DevCluster.Workloads.Tests;

/// <summary>
/// An external metrics adapter for tests: the test workload serving HTTPS with a certificate for
/// <c>metrics.&lt;ns&gt;.svc</c> signed by a throwaway CA, run as a Deployment behind a Service and the
/// APIService <c>v1beta1.external.metrics.k8s.io</c> (with that CA as caBundle). The metric's value is
/// whatever <see cref="Set"/> last wrote.
/// </summary>
public sealed class MetricsAdapter
{
    private readonly string _valueFile;

    private MetricsAdapter(string valueFile) => _valueFile = valueFile;

    public void Set(string quantity) => File.WriteAllText(_valueFile, quantity);

    public static async Task<MetricsAdapter> DeployAsync(Kubernetes client, string directory, string initial, CancellationToken cancellationToken)
    {
        var (pfx, caPem) = Certificates(directory, "metrics.default.svc");
        var adapter = new MetricsAdapter(Path.Combine(directory, "metric-value"));
        adapter.Set(initial);
        var deployment = WorkloadCluster.Deployment("metrics", 1, "m" + Guid.NewGuid().ToString("N")[..10],
            new Dictionary<string, string> { ["TLS_PFX"] = pfx, ["METRIC_FILE"] = Path.Combine(directory, "metric-value") });
        deployment.Spec.Template.Spec.Containers[0].ReadinessProbe.HttpGet.Scheme = "HTTPS";
        await client.AppsV1.CreateNamespacedDeploymentAsync(deployment, "default", cancellationToken: cancellationToken);
        await client.CoreV1.CreateNamespacedServiceAsync(new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "metrics" },
            Spec = new V1ServiceSpec
            {
                Selector = new Dictionary<string, string> { ["app"] = "metrics" },
                Ports = [new V1ServicePort { Name = "https", Port = 443, TargetPort = "http" }],
            },
        }, "default", cancellationToken: cancellationToken);
        await client.ApiregistrationV1.CreateAPIServiceAsync(new V1APIService
        {
            Metadata = new V1ObjectMeta { Name = "v1beta1.external.metrics.k8s.io" },
            Spec = new V1APIServiceSpec
            {
                Group = "external.metrics.k8s.io",
                Version = "v1beta1",
                GroupPriorityMinimum = 100,
                VersionPriority = 100,
                Service = new Apiregistrationv1ServiceReference { NamespaceProperty = "default", Name = "metrics", Port = 443 },
                CaBundle = System.Text.Encoding.UTF8.GetBytes(caPem),
            },
        }, cancellationToken: cancellationToken);
        await WorkloadCluster.Eventually(async () =>
        {
            var api = await client.ApiregistrationV1.ReadAPIServiceAsync("v1beta1.external.metrics.k8s.io", cancellationToken: cancellationToken);
            return api.Status?.Conditions?.Any(c => c.Type == "Available" && c.Status == "True") == true;
        }, "the metrics APIService is Available");
        return adapter;
    }

    /// <summary>A CA and a server certificate for <paramref name="dnsName"/>; returns the PKCS#12 path and the CA's PEM.</summary>
    private static (string Pfx, string CaPem) Certificates(string directory, string dnsName)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = RSA.Create(2048);
        var caRequest = new CertificateRequest("CN=metaevolve-test-ca", caKey, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddHours(-1), now.AddDays(1));

        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={dnsName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(dnsName);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var signed = request.Create(ca, now.AddHours(-1), now.AddDays(1), [1, 2, 3, 4]);
        using var leaf = signed.CopyWithPrivateKey(key);
        var pfx = Path.Combine(directory, "metrics.pfx");
        File.WriteAllBytes(pfx, leaf.Export(X509ContentType.Pfx));
        return (pfx, ca.ExportCertificatePem());
    }
}
