using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using MetaEvolve.Core;
using MetaEvolve.DevCluster.Local;
using MetaEvolve.Testing;

namespace MetaEvolve.Packaging.Tests;

public class ChartTests
{
    private const string Operator = RenderedChart.Release + "-operator";
    private const string Gateway = RenderedChart.Release + "-gateway";

    private static readonly string Version =
        XDocument.Load(RepositoryRoot.Combine("Directory.Build.props")).Descendants("Version").Single().Value;

    [Fact]
    public async Task The_chart_passes_helm_lint_strict_with_the_defaults_and_with_every_option_on()
    {
        foreach (var options in new[] { Array.Empty<string>(), ["--values", RenderedChart.AllOnValues] })
        {
            var run = await ToolRun.RunAsync(RequiredTools.Helm(), ["lint", "--strict", RenderedChart.ChartPath, .. options]);
            Assert.True(run.ExitCode == 0, run.Output + run.Error);
        }
    }

    [Fact]
    public void Chart_version_and_appVersion_are_the_product_version()
    {
        var chart = File.ReadAllLines(Path.Combine(RenderedChart.ChartPath, "Chart.yaml"));
        Assert.Contains($"version: {Version}", chart);
        Assert.Contains($"appVersion: \"{Version}\"", chart);
    }

    [Fact]
    public async Task The_cluster_role_and_the_lease_role_are_the_generated_ones_from_config_rbac()
    {
        var chart = await RenderedChart.RenderAsync();

        var clusterRole = chart.Single("ClusterRole", Operator);
        var generated = RenderedChart.ParseFile(RepositoryRoot.Combine("config", "rbac", "operator-clusterrole.yaml"));
        Assert.Equal(generated["rules"]!.ToJsonString(), clusterRole["rules"]!.ToJsonString());

        var role = chart.Single("Role", Operator);
        var generatedRole = RenderedChart.ParseFile(RepositoryRoot.Combine("config", "rbac", "operator-role.yaml"));
        Assert.Equal(generatedRole["rules"]!.ToJsonString(), role["rules"]!.ToJsonString());
        Assert.Equal(RenderedChart.Namespace, (string?)role["metadata"]!["namespace"]);

        // Both bound to the operator's ServiceAccount, which the operator's pods run as.
        foreach (var (kind, roleKind) in new[] { ("ClusterRoleBinding", "ClusterRole"), ("RoleBinding", "Role") })
        {
            var binding = chart.Single(kind, Operator);
            Assert.Equal(roleKind, (string?)binding["roleRef"]!["kind"]);
            Assert.Equal(Operator, (string?)binding["roleRef"]!["name"]);
            Assert.Equal(Operator, (string?)binding["subjects"]![0]!["name"]);
        }

        Assert.Equal(Operator, (string?)chart.Single("Deployment", Operator)["spec"]!["template"]!["spec"]!["serviceAccountName"]);
    }

    [Fact]
    public async Task The_crds_are_the_ones_in_crds_kept_on_uninstall_and_can_be_left_out()
    {
        var chart = await RenderedChart.RenderAsync();
        var files = Directory.GetFiles(RepositoryRoot.Combine("crds"), "*.yaml");
        Assert.Equal(3, files.Length);
        foreach (var file in files)
        {
            var expected = RenderedChart.ParseFile(file);
            var rendered = chart.Single("CustomResourceDefinition", (string)expected["metadata"]!["name"]!);
            Assert.True(expected["spec"]!.ToJsonString() == rendered["spec"]!.ToJsonString(),
                $"the chart's copy of crds/{Path.GetFileName(file)} is stale: run `make manifests` and commit the result.");
            Assert.Equal("keep", (string?)rendered["metadata"]!["annotations"]!["helm.sh/resource-policy"]);
        }

        var without = await RenderedChart.RenderAsync("--set", "crds.install=false");
        Assert.Empty(without.OfKind("CustomResourceDefinition"));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task Every_container_runs_non_root_read_only_without_capabilities(bool everyOptionOn)
    {
        var chart = everyOptionOn ? await RenderedChart.RenderAsync("--values", RenderedChart.AllOnValues) : await RenderedChart.RenderAsync();
        var pods = chart.PodSpecs().ToList();
        Assert.Equal(3, pods.Count); // operator, gateway, the helm test

        foreach (var (owner, spec) in pods)
        {
            Assert.True((string?)spec["securityContext"]?["runAsNonRoot"] == "true", $"{owner}: pod runAsNonRoot");
            Assert.True((string?)spec["securityContext"]?["seccompProfile"]?["type"] == "RuntimeDefault", $"{owner}: seccomp RuntimeDefault");
            var containers = spec["containers"]!.AsArray().Concat(spec["initContainers"]?.AsArray() ?? []).Select(c => c!.AsObject());
            foreach (var container in containers)
            {
                var context = container["securityContext"];
                var name = $"{owner} container {container["name"]}";
                Assert.True((string?)context?["runAsNonRoot"] == "true", $"{name}: runAsNonRoot");
                Assert.True((string?)context?["readOnlyRootFilesystem"] == "true", $"{name}: readOnlyRootFilesystem");
                Assert.True((string?)context?["allowPrivilegeEscalation"] == "false", $"{name}: allowPrivilegeEscalation");
                Assert.Equal(["ALL"], context?["capabilities"]?["drop"]?.AsArray().Select(d => (string?)d) ?? []);
                Assert.NotNull(container["resources"]?["limits"]?["memory"]);
            }
        }
    }

    [Fact]
    public async Task The_operator_runs_two_leader_elected_replicas_of_this_release_and_gives_pools_its_worker_image()
    {
        var chart = await RenderedChart.RenderAsync();
        var deployment = chart.Single("Deployment", Operator);
        Assert.Equal("2", (string?)deployment["spec"]!["replicas"]);
        var container = deployment["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal($"ghcr.io/metaevolve/operator:{Version}", (string?)container["image"]);

        var env = Env(container);
        Assert.Equal($"ghcr.io/metaevolve/agent-runtime:{Version}", (string?)env["Operator__DefaultImage"]!["value"]);
        Assert.Equal("metadata.namespace", (string?)env["Operator__Namespace"]!["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal("metadata.name", (string?)env["Operator__Identity"]!["valueFrom"]!["fieldRef"]!["fieldPath"]);
        Assert.Equal("1", (string?)chart.Single("PodDisruptionBudget", Operator)["spec"]!["minAvailable"]);

        var gateway = chart.Single("Deployment", Gateway);
        Assert.True(int.Parse((string)gateway["spec"]!["replicas"]!, System.Globalization.CultureInfo.InvariantCulture) >= 2);
        Assert.Equal($"ghcr.io/metaevolve/gateway:{Version}", (string?)gateway["spec"]!["template"]!["spec"]!["containers"]![0]!["image"]);
    }

    [Fact]
    public async Task Connection_settings_come_from_the_named_secrets()
    {
        var chart = await RenderedChart.RenderAsync("--values", RenderedChart.AllOnValues);
        foreach (var name in new[] { Operator, Gateway })
        {
            var env = Env(chart.Single("Deployment", name)["spec"]!["template"]!["spec"]!["containers"]![0]!);
            Assert.Equal("metaevolve-connections", (string?)env["METAEVOLVE_NATS_URL"]!["valueFrom"]!["secretKeyRef"]!["name"]);
            Assert.Equal("nats", (string?)env["METAEVOLVE_NATS_URL"]!["valueFrom"]!["secretKeyRef"]!["key"]);
            Assert.Equal("metaevolve-postgres", (string?)env["METAEVOLVE_POSTGRES"]!["valueFrom"]!["secretKeyRef"]!["name"]);
            Assert.Equal("redis", (string?)env["METAEVOLVE_REDIS"]!["valueFrom"]!["secretKeyRef"]!["key"]);
            Assert.Null(env["METAEVOLVE_POSTGRES"]!["value"]);
        }
    }

    [Fact]
    public async Task The_generated_certificate_is_pinned_by_the_api_service_and_names_the_service()
    {
        var chart = await RenderedChart.RenderAsync();
        var apiService = chart.Single("APIService", "v1beta1.external.metrics.k8s.io");
        Assert.Null(apiService["spec"]!["insecureSkipTLSVerify"]);
        Assert.Equal(Operator, (string?)apiService["spec"]!["service"]!["name"]);

        var secret = chart.Single("Secret", Operator + "-metrics-tls");
        Assert.Equal((string?)secret["data"]!["ca.crt"], (string?)apiService["spec"]!["caBundle"]);

        using var authority = X509Certificate2.CreateFromPem(Pem(secret, "ca.crt"));
        using var serving = X509Certificate2.CreateFromPem(Pem(secret, "tls.crt"));
        Assert.Contains($"{Operator}.{RenderedChart.Namespace}.svc", serving.GetNameInfo(X509NameType.DnsName, false) + " " + string.Join(" ",
            serving.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames())), StringComparison.Ordinal);
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        Assert.True(chain.Build(serving), "the serving certificate is not signed by the caBundle's CA");

        // The operator serves with exactly that certificate.
        var operatorPod = chart.Single("Deployment", Operator)["spec"]!["template"]!["spec"]!;
        Assert.Equal(Operator + "-metrics-tls", (string?)operatorPod["volumes"]!.AsArray().Single(v => (string?)v!["name"] == "metrics-tls")!["secret"]!["secretName"]);
        Assert.Equal("/etc/metaevolve/tls/tls.crt", (string?)Env(operatorPod["containers"]![0]!)["Operator__ExternalMetrics__CertificateFile"]!["value"]);
    }

    [Fact]
    public async Task With_cert_manager_the_certificate_and_ca_injection_come_from_it()
    {
        var chart = await RenderedChart.RenderAsync("--set", "externalMetrics.certManager.enabled=true");
        var certificate = chart.Single("Certificate", Operator + "-metrics");
        Assert.Equal(Operator + "-metrics-tls", (string?)certificate["spec"]!["secretName"]);
        Assert.Contains($"{Operator}.{RenderedChart.Namespace}.svc", certificate["spec"]!["dnsNames"]!.AsArray().Select(n => (string?)n));
        var apiService = chart.Single("APIService", "v1beta1.external.metrics.k8s.io");
        Assert.Equal($"{RenderedChart.Namespace}/{Operator}-metrics", (string?)apiService["metadata"]!["annotations"]!["cert-manager.io/inject-ca-from"]);
        Assert.Null(apiService["spec"]!["insecureSkipTLSVerify"]);
        Assert.DoesNotContain(chart.OfKind("Secret"), s => (string?)s["metadata"]!["name"] == Operator + "-metrics-tls");
    }

    [Fact]
    public async Task The_operator_may_review_access_and_read_the_aggregator_client_ca_as_an_aggregated_api_server()
    {
        var chart = await RenderedChart.RenderAsync();

        var delegator = chart.Single("ClusterRoleBinding", Operator + "-auth-delegator");
        Assert.Equal("ClusterRole", (string?)delegator["roleRef"]!["kind"]);
        Assert.Equal("system:auth-delegator", (string?)delegator["roleRef"]!["name"]);
        AssertOperatorServiceAccount(delegator);

        var reader = chart.Single("RoleBinding", Operator + "-authentication-reader");
        Assert.Equal("kube-system", (string?)reader["metadata"]!["namespace"]);
        Assert.Equal("Role", (string?)reader["roleRef"]!["kind"]);
        Assert.Equal("extension-apiserver-authentication-reader", (string?)reader["roleRef"]!["name"]);
        AssertOperatorServiceAccount(reader);

        var without = await RenderedChart.RenderAsync("--set", "externalMetrics.enabled=false");
        Assert.DoesNotContain(without.OfKind("ClusterRoleBinding"), b => (string?)b["roleRef"]!["name"] == "system:auth-delegator");
        Assert.DoesNotContain(without.OfKind("RoleBinding"), b => (string?)b["metadata"]!["namespace"] == "kube-system");

        static void AssertOperatorServiceAccount(JsonNode binding)
        {
            var subject = Assert.Single(binding["subjects"]!.AsArray())!;
            Assert.Equal("ServiceAccount", (string?)subject["kind"]);
            Assert.Equal(Operator, (string?)subject["name"]);
            Assert.Equal(RenderedChart.Namespace, (string?)subject["namespace"]);
        }
    }

    [Fact]
    public async Task Without_external_metrics_nothing_claims_the_api_group_and_the_operator_does_not_serve_it()
    {
        var chart = await RenderedChart.RenderAsync("--set", "externalMetrics.enabled=false");
        Assert.Empty(chart.OfKind("APIService"));
        var container = chart.Single("Deployment", Operator)["spec"]!["template"]!["spec"]!["containers"]![0]!;
        Assert.Equal("false", (string?)Env(container)["Operator__ExternalMetrics__Enabled"]!["value"]);
        Assert.DoesNotContain(chart.Single("Service", Operator)["spec"]!["ports"]!.AsArray(), p => (string?)p!["name"] == "https");
    }

    [Fact]
    public async Task People_get_edit_and_view_roles_aggregated_into_the_built_in_ones_and_a_skill_approver_role()
    {
        var chart = await RenderedChart.RenderAsync();

        var edit = chart.Single("ClusterRole", RenderedChart.Release + "-edit");
        Assert.Equal("true", (string?)edit["metadata"]!["labels"]!["rbac.authorization.k8s.io/aggregate-to-edit"]);
        Assert.Equal("true", (string?)edit["metadata"]!["labels"]!["rbac.authorization.k8s.io/aggregate-to-admin"]);
        Assert.Contains("create", Verbs(edit, "metaevolve.io", "skills"));
        Assert.Equal(["get"], Verbs(edit, "metaevolve.io", "skills/status"));

        var view = chart.Single("ClusterRole", RenderedChart.Release + "-view");
        Assert.Equal("true", (string?)view["metadata"]!["labels"]!["rbac.authorization.k8s.io/aggregate-to-view"]);
        Assert.Equal(["get", "list", "watch"], Verbs(view, "metaevolve.io", "agentpools"));

        // What `metaevolve skill approve|reject|rollback|export` do, and nothing more: no create or delete, no other kinds.
        var approver = chart.Single("ClusterRole", RenderedChart.Release + "-skill-approver");
        Assert.Null(approver["metadata"]!["labels"]!["rbac.authorization.k8s.io/aggregate-to-edit"]);
        Assert.Equal(["get", "list", "watch", "patch"], Verbs(approver, "metaevolve.io", "skills"));
        Assert.Equal(["get", "list", "watch"], Verbs(approver, "", "events"));
        Assert.Empty(Verbs(approver, "metaevolve.io", "agents"));

        var without = await RenderedChart.RenderAsync("--set", "userRoles.create=false");
        Assert.DoesNotContain(without.OfKind("ClusterRole"), role => ((string?)role["metadata"]!["name"])!.EndsWith("-skill-approver", StringComparison.Ordinal));
        Assert.Equal(chart.OfKind("ClusterRole").Count() - 3, without.OfKind("ClusterRole").Count());
    }

    /// <summary>The verbs a role's rules grant on one resource of one API group.</summary>
    private static List<string> Verbs(JsonObject role, string group, string resource) =>
        [.. role["rules"]!.AsArray()
            .Where(rule => rule!["apiGroups"]!.AsArray().Any(g => (string?)g == group) && rule["resources"]!.AsArray().Any(r => (string?)r == resource))
            .SelectMany(rule => rule!["verbs"]!.AsArray().Select(v => (string)v!))];

    [Fact]
    public async Task Every_optional_part_renders_when_switched_on()
    {
        var chart = await RenderedChart.RenderAsync("--values", RenderedChart.AllOnValues);
        Assert.Equal(2, chart.OfKind("ServiceMonitor").Count());
        Assert.Single(chart.OfKind("PodMonitor"));
        Assert.Single(chart.OfKind("Ingress"));
        Assert.Single(chart.OfKind("HorizontalPodAutoscaler"));
        // The HPA owns the gateway's replica count.
        Assert.Null(chart.Single("Deployment", Gateway)["spec"]!["replicas"]);

        var alerts = chart.OfKind("PrometheusRule").Single()["spec"]!["groups"]![0]!["rules"]!.AsArray().Select(r => (string?)r!["alert"]).ToList();
        Assert.Equal(["MetaEvolveQueueLagWithoutWorkers", "MetaEvolveTasksDeadLettered", "MetaEvolveReconcileErrors", "MetaEvolveOperatorNotLeading", "MetaEvolveAgentBudgetNearlySpent", "MetaEvolveGatewayErrors"], alerts);

        var dashboard = JsonNode.Parse((string)chart.Single("ConfigMap", RenderedChart.Release + "-dashboard")["data"]!["metaevolve.json"]!)!;
        var queries = string.Join("\n", dashboard["panels"]!.AsArray().SelectMany(p => p!["targets"]!.AsArray()).Select(t => (string?)t!["expr"]));
        foreach (var metric in new[] { "metaevolve_pool_queue_lag", "kube_deployment_status_replicas_ready", "metaevolve_tasks_total", "metaevolve_task_duration_seconds_bucket", "metaevolve_operator_reconciles_total", "metaevolve_agent_tokens_total", "metaevolve_agent_cost_total", "metaevolve_agent_budget_used_ratio" })
        {
            Assert.Contains(metric, queries, StringComparison.Ordinal);
        }

        // Spans go to the collector named in values, over the protocol named there.
        var gatewayEnv = chart.Single("Deployment", Gateway)["spec"]!["template"]!["spec"]!["containers"]![0]!["env"]!.AsArray();
        Assert.Equal("http://otel-collector.observability:4318", (string?)gatewayEnv.Single(e => (string?)e!["name"] == "OTEL_EXPORTER_OTLP_ENDPOINT")!["value"]);
        Assert.Equal("http/protobuf", (string?)gatewayEnv.Single(e => (string?)e!["name"] == "OTEL_EXPORTER_OTLP_PROTOCOL")!["value"]);

        // The region's NATS settings, for its NATS server to load.
        Assert.Contains("domain: \"eu\"", (string)chart.Single("ConfigMap", RenderedChart.Release + "-nats-region")["data"]!["region.conf"]!, StringComparison.Ordinal);

        // The API keys listed in values become the file the gateway reads.
        var keys = JsonNode.Parse((string)chart.Single("Secret", Gateway + "-api-keys")["stringData"]!["api-keys.json"]!)!;
        Assert.Equal("ci", (string?)keys["keys"]![0]!["name"]);
    }

    [Fact]
    public async Task The_helm_test_asks_the_gateways_readiness()
    {
        var chart = await RenderedChart.RenderAsync();
        var test = Assert.Single(chart.OfKind("Pod"));
        Assert.Equal("test", (string?)test["metadata"]!["annotations"]!["helm.sh/hook"]);
        Assert.Contains($"http://{Gateway}:80/readyz", test["spec"]!["containers"]![0]!["command"]!.AsArray().Select(a => (string?)a));
    }

    [Fact]
    public async Task A_nats_root_and_a_store_schema_of_its_own_reach_the_operator_and_the_gateway()
    {
        var chart = await RenderedChart.RenderAsync("--set", "connections.nats.root=team-a", "--set", "connections.postgres.schema=team_a");
        var operatorEnv = Env(chart.Single("Deployment", Operator)["spec"]!["template"]!["spec"]!["containers"]![0]!);
        var gatewayEnv = Env(chart.Single("Deployment", Gateway)["spec"]!["template"]!["spec"]!["containers"]![0]!);
        Assert.Equal("team-a", (string?)operatorEnv["METAEVOLVE_NATS_ROOT"]!["value"]);
        Assert.Equal("team-a", (string?)gatewayEnv["METAEVOLVE_NATS_ROOT"]!["value"]);
        Assert.Equal("team_a", (string?)operatorEnv["Operator__StoreSchema"]!["value"]);
        Assert.Equal("team_a", (string?)gatewayEnv["Gateway__Schema"]!["value"]);

        var defaults = await RenderedChart.RenderAsync();
        var defaultEnv = Env(defaults.Single("Deployment", Operator)["spec"]!["template"]!["spec"]!["containers"]![0]!);
        Assert.DoesNotContain("METAEVOLVE_NATS_ROOT", defaultEnv.Keys);
        Assert.DoesNotContain("Operator__StoreSchema", defaultEnv.Keys);
    }

    [Fact]
    public async Task The_region_its_peers_and_the_stream_replicas_reach_the_operator_and_the_gateway()
    {
        var chart = await RenderedChart.RenderAsync("--set", "region.name=eu", "--set", "region.peers={us,ap}", "--set", "connections.nats.streamReplicas=3");
        foreach (var (name, prefix) in new[] { (Operator, "Operator"), (Gateway, "Gateway") })
        {
            var env = Env(chart.Single("Deployment", name)["spec"]!["template"]!["spec"]!["containers"]![0]!);
            Assert.Equal("eu", (string?)env[ConnectionOptions.RegionVariable]!["value"]);
            Assert.Equal("us,ap", (string?)env[ConnectionOptions.PeersVariable]!["value"]);
            Assert.Equal("3", (string?)env[$"{prefix}__TaskStream__Replicas"]!["value"]);
        }

        // What the chart renders, the processes read as the region settings they validate.
        var rendered = Env(chart.Single("Deployment", Operator)["spec"]!["template"]!["spec"]!["containers"]![0]!);
        var options = ConnectionOptions.FromEnvironment(variable => (string?)rendered.GetValueOrDefault(variable)?["value"]);
        Assert.Equal("eu", options.Region);
        Assert.Equal(["us", "ap"], options.Peers);

        var defaults = await RenderedChart.RenderAsync();
        var defaultEnv = Env(defaults.Single("Deployment", Operator)["spec"]!["template"]!["spec"]!["containers"]![0]!);
        Assert.DoesNotContain(ConnectionOptions.RegionVariable, defaultEnv.Keys);
        Assert.DoesNotContain(ConnectionOptions.PeersVariable, defaultEnv.Keys);
        Assert.Equal("1", (string?)defaultEnv["Operator__TaskStream__Replicas"]!["value"]);
    }

    [Theory]
    [InlineData("region.peers={us}", "region.peers (us) needs region.name")]
    [InlineData("region.name=eu,region.peers={us,eu}", "region.peers lists region.name ('eu') itself")]
    [InlineData("region.name=EU", "/region/name")]
    [InlineData("region.name=eu,region.peers={us,us}", "/region/peers")]
    [InlineData("region.name=eu,region.peers={Us}", "/region/peers/0")]
    [InlineData("connections.nats.streamReplicas=2", "/connections/nats/streamReplicas")]
    public async Task Region_settings_that_contradict_each_other_or_break_the_pattern_fail_naming_the_value(string setting, string message)
    {
        var run = await RenderedChart.TemplateAsync("--set", setting);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(message, run.Error, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("connections.nats.root=Team_A", "does not match pattern", "/connections/nats/root")]
    [InlineData("connections.postgres.schema=team-a", "does not match pattern", "/connections/postgres/schema")]
    [InlineData("operator.replica=2", "'replica' not allowed", "/operator")]
    [InlineData("monitoring.grafana.enabled=true", "'grafana' not allowed", "/monitoring")]
    [InlineData("gateway.replicas=two", "want integer", "/gateway/replicas")]
    [InlineData("image.pullPolicy=Sometimes", "must be one of", "/image/pullPolicy")]
    public async Task The_values_schema_rejects_unknown_keys_and_wrong_types_naming_them(string setting, string problem, string path)
    {
        var run = await RenderedChart.TemplateAsync("--set", setting);
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains(path, run.Error, StringComparison.Ordinal);
        Assert.Contains(problem, run.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_connection_without_value_or_secret_fails_naming_the_setting()
    {
        var run = await RenderedChart.TemplateAsync("--set", "connections.postgres.secretKeyRef=null");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("connections.postgres: set value or secretKeyRef {name, key}", run.Error, StringComparison.Ordinal);
    }

    private static Dictionary<string, JsonNode> Env(JsonNode container) =>
        container["env"]!.AsArray().ToDictionary(e => (string)e!["name"]!, e => e!);

    private static string Pem(JsonObject secret, string key) =>
        Encoding.ASCII.GetString(Convert.FromBase64String((string)secret["data"]![key]!));
}
