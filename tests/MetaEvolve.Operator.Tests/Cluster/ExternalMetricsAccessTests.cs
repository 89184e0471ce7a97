using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Tests;
using MetaEvolve.Operator.ExternalMetrics;
using MetaEvolve.Operator.Tests.ExternalMetrics;
using MetaEvolve.Testing;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>
/// Who may read the operator's external metrics API: only the aggregator, proven by the front-proxy client
/// certificate the dev control plane publishes in <c>kube-system/extension-apiserver-authentication</c>, and only for
/// users RBAC allows (SubjectAccessReview). Certificates on both sides rotate without a restart.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class ExternalMetricsAccessTests
{
    private const string Metric = "metaevolve_pool_queue_lag";
    private const string ApiPath = "/apis/external.metrics.k8s.io/v1beta1";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Only_the_aggregators_client_certificate_gets_in()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        var instance = await cluster.StartOperatorAsync();
        var metrics = $"{ApiPath}/namespaces/{cluster.Namespace}/{Metric}";

        var anonymous = await DirectAsync(instance, metrics, client: null, user: OperatorCluster.KubectlUser);
        Assert.Equal((HttpStatusCode.Unauthorized, "Unauthorized"), (anonymous.Code, anonymous.Reason));
        Assert.Contains("no client certificate", anonymous.Message, StringComparison.Ordinal);

        // The right name from the wrong CA, claiming to be an administrator.
        using var forged = TestAuthorities.Client(TestAuthorities.Authority("metaevolve-dev-front-proxy-ca"), "front-proxy-client");
        var forgery = await DirectAsync(instance, metrics, forged, user: "admin", group: "system:masters");
        Assert.Equal(HttpStatusCode.Unauthorized, forgery.Code);
        Assert.Contains("not signed by the requestheader client CA", forgery.Message, StringComparison.Ordinal);

        var aggregator = await DirectAsync(instance, ApiPath, cluster.Server.Credentials.FrontProxy.Client, user: OperatorCluster.KubectlUser);
        Assert.Equal(HttpStatusCode.OK, aggregator.Code);
        Assert.Equal("APIResourceList", (string?)aggregator.Body["kind"]);
    }

    [Fact]
    public async Task A_user_without_a_binding_is_forbidden_by_name_but_may_discover_the_api()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        var instance = await cluster.StartOperatorAsync();
        cluster.RegisterExternalMetrics(instance.ExternalMetricsPort);
        var nobody = new Kubectl(Kubectl.Binary(33), cluster.Server, Path.Combine(cluster.Directory, "nobody-home"), cluster.Namespace, user: "nobody");

        var refused = await nobody.RunAsync("get", "--raw", $"{ApiPath}/namespaces/{cluster.Namespace}/{Metric}");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("Forbidden", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("User \"nobody\" cannot list resource \"metaevolve_pool_queue_lag\"", refused.Stderr, StringComparison.Ordinal);

        using var http = new HttpClient(cluster.Server.Credentials.TrustingHandler()) { BaseAddress = cluster.Server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cluster.Server.Credentials.TokenFor("nobody"));
        using var response = await http.GetAsync($"{ApiPath.TrimStart('/')}/namespaces/{cluster.Namespace}/{Metric}", Ct);
        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal((403, "Forbidden"), ((int?)status["code"], (string?)status["reason"]));
        Assert.Contains($"in the namespace \"{cluster.Namespace}\"", (string?)status["message"], StringComparison.Ordinal);

        // Discovery is for every authenticated user (system:discovery).
        Assert.Contains(Metric, await nobody.OkAsync("get", "--raw", ApiPath), StringComparison.Ordinal);
        // The HPA controller's ServiceAccount is bound to read external metrics: its request reaches the queue (which
        // this test has none of: 503 from the reader, past authentication and authorization).
        using var hpa = HpaClient(cluster);
        using var read = await hpa.GetAsync($"{ApiPath.TrimStart('/')}/namespaces/{cluster.Namespace}/{Metric}", Ct);
        var readStatus = JsonNode.Parse(await read.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal(HttpStatusCode.ServiceUnavailable, read.StatusCode);
        Assert.Contains("unable to fetch metric", (string?)readStatus["message"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rotated_serving_certificate_is_served_without_a_restart()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        var tls = Directory.CreateDirectory(Path.Combine(cluster.Directory, "tls")).FullName;
        using var first = ServingCertificate.SelfSigned("first", DateTimeOffset.UtcNow);
        WritePair(tls, first);
        var instance = await cluster.StartOperatorAsync(configure: o => o with
        {
            ExternalMetrics = o.ExternalMetrics with { CertificateFile = Path.Combine(tls, "tls.crt"), KeyFile = Path.Combine(tls, "tls.key") },
        });
        cluster.RegisterExternalMetrics(instance.ExternalMetricsPort);
        Assert.Equal(first.Thumbprint, await ServedThumbprintAsync(instance));

        using var second = ServingCertificate.SelfSigned("second", DateTimeOffset.UtcNow);
        WritePair(tls, second);

        await OperatorCluster.EventuallyAsync(async () => await ServedThumbprintAsync(instance) == second.Thumbprint, "the new certificate is served");
        Assert.Contains(Metric, await cluster.Kubectl.OkAsync("get", "--raw", ApiPath), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_rotated_aggregator_client_ca_applies_without_a_restart()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        var instance = await cluster.StartOperatorAsync();
        cluster.RegisterExternalMetrics(instance.ExternalMetricsPort);
        Assert.Contains(Metric, await cluster.Kubectl.OkAsync("get", "--raw", ApiPath), StringComparison.Ordinal);
        var before = cluster.Server.Credentials.FrontProxy.Client;

        cluster.Server.RotateFrontProxyAuthority();

        await OperatorCluster.EventuallyAsync(async () => (await DirectAsync(instance, ApiPath, before, OperatorCluster.KubectlUser)).Code == HttpStatusCode.Unauthorized,
            "the old aggregator certificate is refused");
        Assert.Contains(Metric, await cluster.Kubectl.OkAsync("get", "--raw", ApiPath), StringComparison.Ordinal);
    }

    private static HttpClient HpaClient(OperatorCluster cluster)
    {
        var http = new HttpClient(cluster.Server.Credentials.TrustingHandler()) { BaseAddress = cluster.Server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", cluster.Server.Credentials.ServiceAccounts.Issue("kube-system", "horizontal-pod-autoscaler"));
        return http;
    }

    private static void WritePair(string directory, X509Certificate2 certificate)
    {
        // Key first: for a moment the pair does not match, which the operator rides out with the previous one.
        File.WriteAllText(Path.Combine(directory, "tls.key"), certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(directory, "tls.crt"), certificate.ExportCertificatePem());
    }

    /// <summary>The certificate a new TLS connection to the operator's port is served.</summary>
    private static async Task<string> ServedThumbprintAsync(OperatorInstance instance)
    {
        string? thumbprint = null;
        using var handler = new SocketsHttpHandler();
#pragma warning disable CA5359 // It records the certificate served; which one is what the test asserts.
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            thumbprint = certificate is null ? null : X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()).Thumbprint;
            return true;
        };
#pragma warning restore CA5359
        using var http = new HttpClient(handler);
        using var _ = await http.GetAsync($"https://127.0.0.1:{instance.ExternalMetricsPort}{ApiPath}", Ct);
        return thumbprint ?? "";
    }

    /// <summary>A request straight to the operator's port, as the aggregator would send it (or an impostor).</summary>
    private static async Task<(HttpStatusCode Code, string? Reason, string Message, JsonNode Body)> DirectAsync(
        OperatorInstance instance, string path, X509Certificate2? client, string user, string group = "system:authenticated")
    {
        using var handler = new SocketsHttpHandler();
#pragma warning disable CA5359 // The test reads the operator's self-signed certificate; it checks the caller, not the server.
        handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
        if (client is not null)
        {
            handler.SslOptions.ClientCertificates = [client];
            handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => client;
        }

        using var http = new HttpClient(handler);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"https://127.0.0.1:{instance.ExternalMetricsPort}{path}");
        request.Headers.Add("X-Remote-User", user);
        request.Headers.Add("X-Remote-Group", group);
        using var response = await http.SendAsync(request, Ct);
        var body = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        return (response.StatusCode, (string?)body["reason"], (string?)body["message"] ?? "", body);
    }
}
