using System.Net;
using System.Net.Http.Headers;
using System.Text;
using k8s;

namespace MetaEvolve.DevCluster.Tests;

/// <summary>
/// The dev control plane answers only its kubeconfigs' callers, over HTTPS, and refuses what a web page could make a
/// browser send: it runs Deployments as the developer, so a cross-site POST must never create one.
/// </summary>
public sealed class RequestGuardTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Deployment = """
        {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"evil"},
         "spec":{"selector":{"matchLabels":{"app":"evil"}},"template":{"metadata":{"labels":{"app":"evil"}},
         "spec":{"containers":[{"name":"c","image":"busybox","command":["sh","-c","touch /tmp/pwned"]}]}}}}
        """;

    [Fact]
    public async Task A_request_without_a_valid_token_is_401_and_named_anonymous()
    {
        await using var host = await DevClusterHost.StartAsync();
        using var anonymous = Anonymous(host);

        using var list = await anonymous.GetAsync("api/v1/namespaces", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, list.StatusCode);
        Assert.Contains("\"reason\":\"Unauthorized\"", await list.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        anonymous.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "kubectl-user");
        using var guessed = await anonymous.GetAsync("api/v1/namespaces", Ct);
        Assert.Equal(HttpStatusCode.Unauthorized, guessed.StatusCode);

        Assert.All(host.Server.Requests.Snapshot().Where(r => r.Path == "/api/v1/namespaces"), r => Assert.Equal(("system:anonymous", 401), (r.User, r.StatusCode)));
    }

    [Fact]
    public async Task Health_and_version_answer_without_a_token_as_on_a_real_cluster()
    {
        await using var host = await DevClusterHost.StartAsync();
        using var anonymous = Anonymous(host);

        Assert.Equal("ok", await anonymous.GetStringAsync("readyz", Ct));
        Assert.Contains("\"gitVersion\"", await anonymous.GetStringAsync("version", Ct), StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_server_speaks_only_https_with_a_certificate_its_kubeconfig_trusts()
    {
        await using var host = await DevClusterHost.StartAsync();
        Assert.Equal("https", host.Server.BaseAddress.Scheme);

        // A client that trusts only the system's roots refuses the dev CA's certificate.
        using var untrusting = new HttpClient { BaseAddress = host.Server.BaseAddress };
        var e = await Assert.ThrowsAsync<HttpRequestException>(() => untrusting.GetAsync("version", Ct));
        Assert.IsType<System.Security.Authentication.AuthenticationException>(e.InnerException);

        using var plain = new HttpClient { BaseAddress = new UriBuilder(host.Server.BaseAddress) { Scheme = "http" }.Uri };
        await Assert.ThrowsAsync<HttpRequestException>(() => plain.GetAsync("version", Ct));
    }

    [Fact]
    public async Task A_browser_shaped_request_is_refused_and_nothing_runs()
    {
        await using var host = await DevClusterHost.StartAsync();
        using var http = host.Http();
        var path = "apis/apps/v1/namespaces/default/deployments";

        // What a page the developer visits could send: a simple cross-site POST (no preflight) carries Origin and text/plain.
        using var crossSite = new HttpRequestMessage(HttpMethod.Post, path) { Content = new StringContent(Deployment, Encoding.UTF8, "text/plain") };
        crossSite.Headers.Add("Origin", "https://attacker.example");
        using var refused = await http.SendAsync(crossSite, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
        Assert.Contains("Origin", await refused.Content.ReadAsStringAsync(Ct), StringComparison.Ordinal);

        // Even with a token and no Origin, a body Kubernetes would not decode is 415, never read as JSON.
        using var textPlain = await http.PostAsync(path, new StringContent(Deployment, Encoding.UTF8, "text/plain"), Ct);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, textPlain.StatusCode);
        var noType = new ByteArrayContent(Encoding.UTF8.GetBytes(Deployment));
        using var untyped = await http.PostAsync(path, noType, Ct);
        Assert.Equal(HttpStatusCode.UnsupportedMediaType, untyped.StatusCode);

        // DNS rebinding: the browser sends the attacker's name as Host.
        using var rebound = new HttpRequestMessage(HttpMethod.Get, "api/v1/namespaces/default/secrets");
        rebound.Headers.Host = "attacker.example";
        using var reboundAnswer = await http.SendAsync(rebound, Ct);
        Assert.Equal(HttpStatusCode.Forbidden, reboundAnswer.StatusCode);

        Assert.Empty((await host.Client().AppsV1.ListNamespacedDeploymentAsync("default", cancellationToken: Ct)).Items);
    }

    [Fact]
    public async Task Json_and_yaml_bodies_are_accepted_as_kubernetes_accepts_them()
    {
        await using var host = await DevClusterHost.StartAsync();
        using var http = host.Http();

        using var json = await http.PostAsync("api/v1/namespaces/default/configmaps",
            new StringContent("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"from-json"}}""", Encoding.UTF8, "application/json"), Ct);
        Assert.Equal(HttpStatusCode.Created, json.StatusCode);
        using var yaml = await http.PostAsync("api/v1/namespaces/default/configmaps",
            new StringContent("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: from-yaml\ndata:\n  a: b\n", Encoding.UTF8, "application/yaml"), Ct);
        Assert.Equal(HttpStatusCode.Created, yaml.StatusCode);

        var created = await host.Client().CoreV1.ReadNamespacedConfigMapAsync("from-yaml", "default", cancellationToken: Ct);
        Assert.Equal("b", created.Data["a"]);
    }

    [Fact]
    public async Task A_kubeconfig_keeps_working_after_the_control_plane_restarts_on_its_data()
    {
        var data = Directory.CreateTempSubdirectory("devcluster-pki-").FullName;
        var options = new DevClusterOptions { DataDirectory = data };
        string kubeconfig;
        await using (var first = await DevClusterHost.StartAsync(options))
        {
            kubeconfig = Path.Combine(first.Directory, "kubeconfig");
            Kubeconfig.Write(kubeconfig, first.Server.KubeconfigFor("alice"));
        }

        await using var second = await DevClusterHost.StartAsync(options);
        var configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfig);
        configuration.Host = second.Server.BaseAddress.ToString().TrimEnd('/');
        using var client = new Kubernetes(configuration);
        Assert.NotEmpty((await client.CoreV1.ListNamespaceAsync(cancellationToken: Ct)).Items);
        Assert.Contains(second.Server.Requests.ForUser("alice"), r => r.Resource == "namespaces" && r.StatusCode == 200);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(Path.Combine(data, "pki", "ca.key")));
        }
    }

    private static HttpClient Anonymous(DevClusterHost host) =>
        new(host.Server.Credentials.TrustingHandler()) { BaseAddress = host.Server.BaseAddress };
}
