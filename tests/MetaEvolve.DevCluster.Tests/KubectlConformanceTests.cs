using k8s;

namespace MetaEvolve.DevCluster.Tests;

/// <summary>Real kubectl binaries, oldest and newest supported, against the dev control plane.</summary>
public sealed class KubectlConformanceTests
{
    public static TheoryData<int> Versions => [27, 33];

    private static string Widgets => Path.Combine(AppContext.BaseDirectory, "TestData", "widgets-crd.yaml");

    private static async Task<(DevClusterHost Host, Kubectl Kubectl)> StartAsync(int minor)
    {
        var binary = Kubectl.Binary(minor);
        var host = await DevClusterHost.StartAsync();
        var kubectl = new Kubectl(binary, host);
        (await kubectl.RunAsync("apply", "-f", Widgets)).Ok();
        return (host, kubectl);
    }

    private static string Widget(string name, int size, string? color = null) => $"""
        apiVersion: test.metaevolve.io/v1
        kind: Widget
        metadata:
          name: {name}
        spec:
          size: {size}
          replicas: 1
        {(color is null ? "" : $"  color: {color}")}
        """;

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Apply_reports_created_configured_and_unchanged(int minor)
    {
        var (host, kubectl) = await StartAsync(minor);
        await using var _ = host;
        Assert.Contains("widget.test.metaevolve.io/w1 created", (await kubectl.RunWithInputAsync(Widget("w1", 3), "apply", "-f", "-")).Ok(), StringComparison.Ordinal);
        Assert.Contains("widget.test.metaevolve.io/w1 unchanged", (await kubectl.RunWithInputAsync(Widget("w1", 3), "apply", "-f", "-")).Ok(), StringComparison.Ordinal);
        Assert.Contains("widget.test.metaevolve.io/w1 configured", (await kubectl.RunWithInputAsync(Widget("w1", 5, "red"), "apply", "-f", "-")).Ok(), StringComparison.Ordinal);
        var json = (await kubectl.RunAsync("get", "widget", "w1", "-o", "jsonpath={.spec.size}/{.spec.color}/{.metadata.generation}")).Ok();
        Assert.Equal("5/red/2", json);

        // Client-side apply of built-ins uses strategic merge patches.
        const string cm = """
            apiVersion: v1
            kind: ConfigMap
            metadata:
              name: settings
            data:
              a: "1"
            """;
        Assert.Contains("configmap/settings created", (await kubectl.RunWithInputAsync(cm, "apply", "-f", "-")).Ok(), StringComparison.Ordinal);
        Assert.Contains("configmap/settings configured", (await kubectl.RunWithInputAsync(cm.Replace("\"1\"", "\"2\"", StringComparison.Ordinal), "apply", "-f", "-")).Ok(), StringComparison.Ordinal);
        Assert.Equal("2", (await kubectl.RunAsync("get", "configmap", "settings", "-o", "jsonpath={.data.a}")).Ok());

        // kubectl sends its kubeconfig's token over HTTPS, so the request log names its user.
        Assert.Contains(host.Server.Requests.ForUser("kubectl-user"), r => r is { Verb: "patch", Resource: "configmaps", Name: "settings" });
    }

    [Fact]
    public async Task Auth_whoami_names_the_user_of_the_token()
    {
        // authentication.k8s.io/v1 SelfSubjectReview, which kubectl uses from 1.28 on.
        var (host, kubectl) = await StartAsync(33);
        await using var _ = host;

        var user = (await kubectl.RunAsync("auth", "whoami", "-o", "jsonpath={.status.userInfo.username} {.status.userInfo.groups}")).Ok();

        Assert.Equal("kubectl-user [\"system:authenticated\"]", user.Trim());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Get_prints_printer_columns(int minor)
    {
        var (host, kubectl) = await StartAsync(minor);
        await using var _ = host;
        (await kubectl.RunWithInputAsync(Widget("w1", 7), "apply", "-f", "-")).Ok();
        var table = (await kubectl.RunAsync("get", "widgets")).Ok();
        var lines = table.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+SIZE\s+READY\s+AGE\s*$", lines[0]);
        Assert.Matches(@"^w1\s+7\s+(\S+\s+)?\d+s\s*$", lines[1]);

        var shortName = (await kubectl.RunAsync("get", "wd", "-A")).Ok();
        Assert.Contains("NAMESPACE", shortName, StringComparison.Ordinal);
        Assert.Contains("default", shortName, StringComparison.Ordinal);

        var yaml = (await kubectl.RunAsync("get", "widget", "w1", "-o", "yaml")).Ok();
        Assert.Contains("kind: Widget", yaml, StringComparison.Ordinal);
        Assert.Contains("size: 7", yaml, StringComparison.Ordinal);
        var json = (await kubectl.RunAsync("get", "widgets", "-o", "json")).Ok();
        Assert.Contains("\"kind\": \"List\"", json, StringComparison.Ordinal);

        var namespaces = (await kubectl.RunAsync("get", "namespaces")).Ok();
        Assert.Matches(@"default\s+Active", namespaces);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Explain_prints_schema_descriptions(int minor)
    {
        var (host, kubectl) = await StartAsync(minor);
        await using var _ = host;
        var spec = (await kubectl.RunAsync("explain", "widget.spec")).Ok();
        Assert.Contains("What the widget should be.", spec, StringComparison.Ordinal);
        Assert.Contains("size", spec, StringComparison.Ordinal);
        Assert.Contains("Size of the widget in centimetres.", spec, StringComparison.Ordinal);
        var size = (await kubectl.RunAsync("explain", "widgets.spec.size")).Ok();
        Assert.Contains("Size of the widget in centimetres.", size, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Describe_scale_patch_and_label_work(int minor)
    {
        var (host, kubectl) = await StartAsync(minor);
        await using var _ = host;
        (await kubectl.RunWithInputAsync(Widget("w1", 2), "apply", "-f", "-")).Ok();

        var described = (await kubectl.RunAsync("describe", "widget", "w1")).Ok();
        Assert.Matches(@"Name:\s+w1", described);
        Assert.Matches(@"Size:\s+2", described);

        Assert.Contains("scaled", (await kubectl.RunAsync("scale", "widget", "w1", "--replicas=4")).Ok(), StringComparison.Ordinal);
        Assert.Equal("4", (await kubectl.RunAsync("get", "widget", "w1", "-o", "jsonpath={.spec.replicas}")).Ok());

        Assert.Contains("patched", (await kubectl.RunAsync("patch", "widget", "w1", "--type=merge", "-p", "{\"spec\":{\"color\":\"blue\"}}")).Ok(), StringComparison.Ordinal);
        Assert.Contains("patched", (await kubectl.RunAsync("patch", "widget", "w1", "--type=json", "-p", "[{\"op\":\"replace\",\"path\":\"/spec/size\",\"value\":9}]")).Ok(), StringComparison.Ordinal);
        Assert.Equal("blue/9", (await kubectl.RunAsync("get", "widget", "w1", "-o", "jsonpath={.spec.color}/{.spec.size}")).Ok());

        Assert.Contains("labeled", (await kubectl.RunAsync("label", "widget", "w1", "tier=gold")).Ok(), StringComparison.Ordinal);
        Assert.Contains("w1", (await kubectl.RunAsync("get", "widgets", "-l", "tier=gold", "-o", "name")).Ok(), StringComparison.Ordinal);
        Assert.Equal("", (await kubectl.RunAsync("get", "widgets", "-l", "tier=silver", "-o", "name")).Ok().Trim());

        // Strategic merge patch of a built-in, merging a container list by name.
        const string deployment = """
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: web
            spec:
              replicas: 1
              selector:
                matchLabels: {app: web}
              template:
                metadata:
                  labels: {app: web}
                spec:
                  containers:
                  - name: main
                    image: nginx:1
                  - name: side
                    image: busybox:1
            """;
        (await kubectl.RunWithInputAsync(deployment, "apply", "-f", "-")).Ok();
        (await kubectl.RunAsync("patch", "deployment", "web", "-p", "{\"spec\":{\"template\":{\"spec\":{\"containers\":[{\"name\":\"side\",\"image\":\"busybox:2\"}]}}}}")).Ok();
        Assert.Equal("nginx:1 busybox:2", (await kubectl.RunAsync("get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[*].image}")).Ok());
        (await kubectl.RunAsync("scale", "deployment", "web", "--replicas=3")).Ok();
        Assert.Equal("3", (await kubectl.RunAsync("get", "deployment", "web", "-o", "jsonpath={.spec.replicas}")).Ok());
        var changed = deployment.Replace("nginx:1", "nginx:2", StringComparison.Ordinal).Replace("replicas: 1", "replicas: 3", StringComparison.Ordinal);
        Assert.Contains("configured", (await kubectl.RunWithInputAsync(changed, "apply", "-f", "-")).Ok(), StringComparison.Ordinal);
        Assert.Equal("nginx:2 busybox:1", (await kubectl.RunAsync("get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[*].image}")).Ok());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Wait_for_condition_returns_when_status_becomes_ready(int minor)
    {
        var (host, kubectl) = await StartAsync(minor);
        await using var _ = host;
        (await kubectl.RunWithInputAsync(Widget("w1", 1), "apply", "-f", "-")).Ok();
        var wait = kubectl.RunAsync("wait", "--for=condition=Ready", "widget/w1", "--timeout=60s");
        await Task.Delay(1500, TestContext.Current.CancellationToken);
        var client = host.Client();
        var patch = new k8s.Models.V1Patch("""{"status":{"conditions":[{"type":"Ready","status":"True","reason":"Test","message":"ok","lastTransitionTime":"2026-01-01T00:00:00Z"}]}}""",
            k8s.Models.V1Patch.PatchType.MergePatch);
        await client.CustomObjects.PatchNamespacedCustomObjectStatusAsync(patch, "test.metaevolve.io", "v1", "default", "widgets", "w1",
            cancellationToken: TestContext.Current.CancellationToken);
        Assert.Contains("condition met", (await wait).Ok(), StringComparison.Ordinal);
        Assert.Contains("True", (await kubectl.RunAsync("get", "widget", "w1")).Ok(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Delete_waits_for_finalizers_and_namespace_deletion_takes_contents(int minor)
    {
        var (host, kubectl) = await StartAsync(minor);
        await using var _ = host;
        (await kubectl.RunWithInputAsync(Widget("plain", 1), "apply", "-f", "-")).Ok();
        Assert.Contains("deleted", (await kubectl.RunAsync("delete", "widget", "plain")).Ok(), StringComparison.Ordinal);
        Assert.Contains("NotFound", (await kubectl.RunAsync("get", "widget", "plain")).Failed(), StringComparison.Ordinal);

        var held = Widget("held", 1).Replace("  name: held", "  name: held\n  finalizers: [test.metaevolve.io/hold]", StringComparison.Ordinal);
        (await kubectl.RunWithInputAsync(held, "apply", "-f", "-")).Ok();
        (await kubectl.RunAsync("delete", "widget", "held", "--wait=false")).Ok();
        var timestamp = (await kubectl.RunAsync("get", "widget", "held", "-o", "jsonpath={.metadata.deletionTimestamp}")).Ok();
        Assert.NotEqual("", timestamp);
        var deleting = kubectl.RunAsync("delete", "widget", "held", "--timeout=60s");
        await Task.Delay(1000, TestContext.Current.CancellationToken);
        (await kubectl.RunAsync("patch", "widget", "held", "--type=merge", "-p", "{\"metadata\":{\"finalizers\":null}}")).Ok();
        (await deleting).Ok();
        Assert.Contains("NotFound", (await kubectl.RunAsync("get", "widget", "held")).Failed(), StringComparison.Ordinal);

        (await kubectl.RunWithInputAsync("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: doomed\n", "apply", "-f", "-")).Ok();
        (await kubectl.RunWithInputAsync(Widget("inside", 1), "apply", "-n", "doomed", "-f", "-")).Ok();
        (await kubectl.RunWithInputAsync("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cfg\ndata:\n  a: b\n", "apply", "-n", "doomed", "-f", "-")).Ok();
        Assert.Contains("deleted", (await kubectl.RunAsync("delete", "namespace", "doomed", "--timeout=60s")).Ok(), StringComparison.Ordinal);
        Assert.Contains("NotFound", (await kubectl.RunAsync("get", "namespace", "doomed")).Failed(), StringComparison.Ordinal);
        Assert.Equal("", (await kubectl.RunAsync("get", "widgets", "-A", "-o", "name")).Ok().Trim());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Invalid_name_is_reported_with_its_field_path(int minor)
    {
        var (host, kubectl) = await StartAsync(minor);
        await using var _ = host;
        var error = (await kubectl.RunWithInputAsync(Widget("Bad_Name", 1), "apply", "-f", "-")).Failed();
        Assert.Contains("The Widget \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\"", error, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Imperative_create_of_core_objects_works(int minor)
    {
        var (host, kubectl) = await StartAsync(minor);
        await using var _ = host;
        Assert.Contains("namespace/team-a created", (await kubectl.RunAsync("create", "namespace", "team-a")).Ok(), StringComparison.Ordinal);
        Assert.Contains("configmap/cfg created", (await kubectl.RunAsync("create", "configmap", "cfg", "-n", "team-a", "--from-literal=k=v")).Ok(), StringComparison.Ordinal);
        Assert.Contains("secret/creds created", (await kubectl.RunAsync("create", "secret", "generic", "creds", "-n", "team-a", "--from-literal=apiKey=sk-1")).Ok(), StringComparison.Ordinal);
        Assert.Contains("serviceaccount/robot created", (await kubectl.RunAsync("create", "serviceaccount", "robot", "-n", "team-a")).Ok(), StringComparison.Ordinal);
        Assert.Equal("v", (await kubectl.RunAsync("get", "configmap", "cfg", "-n", "team-a", "-o", "jsonpath={.data.k}")).Ok());
        Assert.Equal(Convert.ToBase64String("sk-1"u8.ToArray()), (await kubectl.RunAsync("get", "secret", "creds", "-n", "team-a", "-o", "jsonpath={.data.apiKey}")).Ok());
        Assert.Matches(@"team-a\s+Active", (await kubectl.RunAsync("get", "ns")).Ok());
        Assert.Matches(@"creds\s+Opaque\s+1\s+\d+s", (await kubectl.RunAsync("get", "secret", "creds", "-n", "team-a")).Ok());
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Pod_disruption_budgets_ingresses_and_ingress_classes_apply_and_print_as_on_a_real_server(int minor)
    {
        var (host, kubectl) = await StartAsync(minor);
        await using var _ = host;
        const string manifests = """
            apiVersion: policy/v1
            kind: PodDisruptionBudget
            metadata:
              name: web
            spec:
              minAvailable: 1
              selector:
                matchLabels:
                  app: web
            ---
            apiVersion: networking.k8s.io/v1
            kind: IngressClass
            metadata:
              name: nginx
            spec:
              controller: k8s.io/ingress-nginx
            ---
            apiVersion: networking.k8s.io/v1
            kind: Ingress
            metadata:
              name: web
            spec:
              ingressClassName: nginx
              tls:
              - hosts: [web.example.com]
                secretName: web-tls
              rules:
              - host: web.example.com
                http:
                  paths:
                  - path: /
                    pathType: Prefix
                    backend:
                      service:
                        name: web
                        port:
                          number: 80
            """;
        var applied = (await kubectl.RunWithInputAsync(manifests, "apply", "-f", "-")).Ok();
        Assert.Contains("poddisruptionbudget.policy/web created", applied, StringComparison.Ordinal);
        Assert.Contains("ingressclass.networking.k8s.io/nginx created", applied, StringComparison.Ordinal);
        Assert.Contains("ingress.networking.k8s.io/web created", applied, StringComparison.Ordinal);
        Assert.Contains("ingress.networking.k8s.io/web unchanged", (await kubectl.RunWithInputAsync(manifests, "apply", "-f", "-")).Ok(), StringComparison.Ordinal);

        var pdbs = (await kubectl.RunAsync("get", "pdb")).Ok().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+MIN AVAILABLE\s+MAX UNAVAILABLE\s+ALLOWED DISRUPTIONS\s+AGE", pdbs[0]);
        Assert.Matches(@"^web\s+1\s+N/A\s+0\s+\d+s", pdbs[1]);
        var ingresses = (await kubectl.RunAsync("get", "ing")).Ok().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+CLASS\s+HOSTS\s+ADDRESS\s+PORTS\s+AGE", ingresses[0]);
        Assert.Matches(@"^web\s+nginx\s+web\.example\.com\s+80, 443\s+\d+s", ingresses[1]);
        var classes = (await kubectl.RunAsync("get", "ingressclasses")).Ok().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Matches(@"^NAME\s+CONTROLLER\s+PARAMETERS\s+AGE", classes[0]);
        Assert.Matches(@"^nginx\s+k8s\.io/ingress-nginx\s+<none>\s+\d+s", classes[1]);
        var resources = (await kubectl.RunAsync("api-resources")).Ok();
        Assert.Matches(@"poddisruptionbudgets\s+pdb\s+policy/v1\s+true\s+PodDisruptionBudget", resources);
        Assert.Matches(@"ingresses\s+ing\s+networking\.k8s\.io/v1\s+true\s+Ingress", resources);
    }

    [Theory]
    [MemberData(nameof(Versions))]
    public async Task Server_side_apply_is_refused_with_the_client_side_fix_named(int minor)
    {
        var (host, kubectl) = await StartAsync(minor);
        await using var _ = host;
        var error = (await kubectl.RunWithInputAsync(Widget("w1", 3), "apply", "--server-side", "-f", "-")).Failed();
        Assert.Contains("use client-side apply (kubectl apply without --server-side; helm --server-side=false)", error, StringComparison.Ordinal);
    }
}
