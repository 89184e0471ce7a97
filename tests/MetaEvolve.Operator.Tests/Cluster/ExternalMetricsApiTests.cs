using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using MetaEvolve.Core.Tasks;
using MetaEvolve.DevCluster.Autoscaling;
using MetaEvolve.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.JetStream;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>
/// The operator's external metrics API as the HPA controller reaches it: through the dev API server's aggregation
/// layer (APIService → selector-less Service → Endpoints 127.0.0.1:port → HTTPS), read by a real kubectl and by the
/// devcluster's <see cref="ExternalMetricsClient"/>, which is what the HPA emulation uses. Queue lags come from real
/// JetStream consumers in the test's private stream.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class ExternalMetricsApiTests
{
    private const string Metric = "metaevolve_pool_queue_lag";
    private const string ApiPath = "/apis/external.metrics.k8s.io/v1beta1";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task A_pool_pinned_by_its_label_answers_its_consumers_pending_tasks_even_from_a_standby()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        var leader = await cluster.StartOperatorAsync("operator-a");
        await OperatorCluster.EventuallyAsync(() => Task.FromResult(leader.Leader.IsLeader), "operator-a leads");
        var standby = await cluster.StartOperatorAsync("operator-b");
        cluster.RegisterExternalMetrics(standby.ExternalMetricsPort);
        await PoolConsumerAsync(cluster, "alpha", tasks: 3);
        await PoolConsumerAsync(cluster, "beta", tasks: 5);

        var list = await RawAsync(cluster, $"namespaces/{cluster.Namespace}/{Metric}?labelSelector={Uri.EscapeDataString("metaevolve.io/pool=alpha")}");
        Assert.Equal("ExternalMetricValueList", (string?)list["kind"]);
        Assert.Equal("external.metrics.k8s.io/v1beta1", (string?)list["apiVersion"]);
        var item = Assert.Single(list["items"]!.AsArray())!;
        Assert.Equal(Metric, (string?)item["metricName"]);
        Assert.Equal("alpha", (string?)item["metricLabels"]!["metaevolve.io/pool"]);
        Assert.Equal("3", (string?)item["value"]);
        Assert.True(DateTime.TryParse((string?)item["timestamp"], out _));
        Assert.False(standby.Leader.IsLeader);

        var metrics = MetricsClient(cluster);
        Assert.Equal([3000L], await metrics.GetAsync(cluster.Namespace, Metric, "metaevolve.io/pool=alpha", Ct));
        Assert.Equal([5000L], await metrics.GetAsync(cluster.Namespace, Metric, "metaevolve.io/pool==beta", Ct));
        Assert.Equal([5000L], await metrics.GetAsync(cluster.Namespace, Metric, "metaevolve.io/pool in (beta)", Ct));
    }

    [Fact]
    public async Task Lists_without_a_selector_or_with_a_set_based_one_return_the_matching_pools()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        var instance = await cluster.StartOperatorAsync();
        cluster.RegisterExternalMetrics(instance.ExternalMetricsPort);
        await PoolConsumerAsync(cluster, "alpha", tasks: 2);
        await PoolConsumerAsync(cluster, "beta", tasks: 0);
        await PoolConsumerAsync(cluster, "gamma", tasks: 1);

        Assert.Equal(["alpha=2", "beta=0", "gamma=1"], Series(await RawAsync(cluster, $"namespaces/{cluster.Namespace}/{Metric}")));
        Assert.Equal(["alpha=2", "gamma=1"], Series(await RawAsync(cluster, Query(cluster, "metaevolve.io/pool in (alpha,gamma,delta)"))));
        Assert.Equal(["beta=0", "gamma=1"], Series(await RawAsync(cluster, Query(cluster, "metaevolve.io/pool notin (alpha)"))));
        Assert.Equal(["alpha=2", "gamma=1"], Series(await RawAsync(cluster, Query(cluster, "metaevolve.io/pool!=beta"))));
        Assert.Equal(["alpha=2", "beta=0", "gamma=1"], Series(await RawAsync(cluster, Query(cluster, "metaevolve.io/pool"))));
        Assert.Empty(Series(await RawAsync(cluster, Query(cluster, "!metaevolve.io/pool"))));
        // Series belong to the namespace of their pool.
        Assert.Empty(Series(await RawAsync(cluster, $"namespaces/default/{Metric}")));

        Assert.Equal([2000L, 0L, 1000L], await MetricsClient(cluster).GetAsync(cluster.Namespace, Metric, "metaevolve.io/pool in (alpha,beta,gamma)", Ct));
    }

    [Fact]
    public async Task A_pool_without_a_consumer_is_an_error_status_naming_it_never_a_number()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        var instance = await cluster.StartOperatorAsync();
        cluster.RegisterExternalMetrics(instance.ExternalMetricsPort);
        await PoolConsumerAsync(cluster, "alpha", tasks: 1);
        var consumer = cluster.Names.PoolConsumer(cluster.Namespace, "ghost");

        var kubectl = await cluster.Kubectl.RunAsync("get", "--raw", $"{ApiPath}/{Query(cluster, "metaevolve.io/pool=ghost")}");
        Assert.NotEqual(0, kubectl.ExitCode);
        Assert.Contains(consumer, kubectl.Stderr, StringComparison.Ordinal);

        using var http = ApiClient(cluster);
        using var response = await http.GetAsync($"{ApiPath.TrimStart('/')}/{Query(cluster, "metaevolve.io/pool=ghost")}", Ct);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, response.StatusCode);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("Failure", (string?)status["status"]);
        Assert.Equal(503, (int?)status["code"]);
        Assert.Contains($"{cluster.Namespace}/ghost", (string?)status["message"], StringComparison.Ordinal);
        Assert.Contains(consumer, (string?)status["message"], StringComparison.Ordinal);
        Assert.Null(status["items"]);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => MetricsClient(cluster).GetAsync(cluster.Namespace, Metric, "metaevolve.io/pool=ghost", Ct));
        Assert.Contains(consumer, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Discovery_lists_the_metric_and_only_the_https_port_serves_the_api()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        var instance = await cluster.StartOperatorAsync();
        cluster.RegisterExternalMetrics(instance.ExternalMetricsPort);

        var resources = await RawAsync(cluster, "");
        Assert.Equal("APIResourceList", (string?)resources["kind"]);
        Assert.Equal("external.metrics.k8s.io/v1beta1", (string?)resources["groupVersion"]);
        var resource = Assert.Single(resources["resources"]!.AsArray())!;
        Assert.Equal(Metric, (string?)resource["name"]);
        Assert.True((bool?)resource["namespaced"]);
        Assert.Equal(["get"], resource["verbs"]!.AsArray().Select(v => (string?)v));
        Assert.Contains(Metric, await cluster.Kubectl.OkAsync("api-resources", "--api-group=external.metrics.k8s.io", "--cached=false"), StringComparison.Ordinal);

        // The plain endpoint keeps /healthz and does not serve the metrics API.
        using var plain = new HttpClient { BaseAddress = new Uri(instance.BaseAddress) };
        Assert.Equal("ok", await plain.GetStringAsync("healthz", Ct));
        using var notServed = await plain.GetAsync(ApiPath.TrimStart('/'), Ct);
        Assert.Equal(HttpStatusCode.NotFound, notServed.StatusCode);
    }

    [Fact]
    public async Task An_unknown_metric_is_not_found()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        var instance = await cluster.StartOperatorAsync();
        cluster.RegisterExternalMetrics(instance.ExternalMetricsPort);
        await PoolConsumerAsync(cluster, "alpha", tasks: 1);

        var kubectl = await cluster.Kubectl.RunAsync("get", "--raw", $"{ApiPath}/namespaces/{cluster.Namespace}/queue_depth");
        Assert.NotEqual(0, kubectl.ExitCode);
        Assert.Contains("NotFound", kubectl.Stderr, StringComparison.Ordinal);

        using var http = ApiClient(cluster);
        using var response = await http.GetAsync($"{ApiPath.TrimStart('/')}/namespaces/{cluster.Namespace}/queue_depth", Ct);
        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync(Ct))!;
        Assert.Equal("NotFound", (string?)status["reason"]);
        Assert.Contains("queue_depth", (string?)status["message"], StringComparison.Ordinal);
        await Assert.ThrowsAsync<HttpRequestException>(() => MetricsClient(cluster).GetAsync(cluster.Namespace, "queue_depth", "", Ct));
    }

    /// <summary>A pool's durable consumer in the test's stream, as the AgentPool reconciler names and filters it, holding <paramref name="tasks"/> tasks.</summary>
    private static async Task PoolConsumerAsync(OperatorCluster cluster, string pool, int tasks) => await cluster.NatsAsync(async js =>
    {
        await new TaskQueueTopology(js, cluster.Names, new TaskStreamOptions(), NullLogger<TaskQueueTopology>.Instance)
            .EnsureConsumerAsync(new PoolConsumerSettings(cluster.Namespace, pool, TimeSpan.FromSeconds(30), 5, 10, 4), Ct);
        for (var i = 0; i < tasks; i++)
        {
            var ack = await js.PublishAsync(cluster.Names.Task(cluster.Namespace, pool, "agent"), Encoding.UTF8.GetBytes($"task {i}"), cancellationToken: Ct);
            ack.EnsureSuccess();
        }

        return true;
    });

    private static string Query(OperatorCluster cluster, string selector) =>
        $"namespaces/{cluster.Namespace}/{Metric}?labelSelector={Uri.EscapeDataString(selector)}";

    private static async Task<JsonNode> RawAsync(OperatorCluster cluster, string relative) =>
        JsonNode.Parse(await cluster.Kubectl.OkAsync("get", "--raw", relative.Length == 0 ? ApiPath : $"{ApiPath}/{relative}"))!;

    private static List<string> Series(JsonNode list) =>
        list["items"]!.AsArray().Select(i => $"{(string?)i!["metricLabels"]!["metaevolve.io/pool"]}={(string?)i["value"]}").ToList();

    private static HttpClient ApiClient(OperatorCluster cluster)
    {
        var http = new HttpClient(cluster.Server.Credentials.TrustingHandler()) { BaseAddress = cluster.Server.BaseAddress };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer",
            cluster.Server.Credentials.ServiceAccounts.Issue("kube-system", "horizontal-pod-autoscaler"));
        return http;
    }

    private static ExternalMetricsClient MetricsClient(OperatorCluster cluster) => new(ApiClient(cluster));
}
