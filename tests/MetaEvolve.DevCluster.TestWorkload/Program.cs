using System.Globalization;
using System.Net;
using System.Runtime.InteropServices;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using k8s;

// Environment:
//   PORT                   where to listen (the dev runner sets it per replica)
//   TLS_PFX                serve HTTPS with this PKCS#12 file (else HTTP)
//   METRIC_FILE            file holding the external metric's value (a quantity such as "45")
//   ECHO_ENV               comma-separated variable names to print at start
//   ECHO_FILES             comma-separated variable names whose values are file paths: prints each file's content at start
//   GET /file/{VARIABLE}   the content of the file whose path that variable holds (now, not at start)
//   GET /kube/pods         lists the pods of its namespace through KubernetesClient's default config (KUBECONFIG)
//   IGNORE_SIGTERM=1       keep running on SIGTERM (the runner must SIGKILL after the grace period)
//   EXIT_AFTER_SECONDS     exit with code 3 after this long (crash tests)
var port = int.Parse(Environment.GetEnvironmentVariable("PORT") ?? "8080", CultureInfo.InvariantCulture);
var name = Environment.GetEnvironmentVariable("HOSTNAME") ?? "workload";
var metricFile = Environment.GetEnvironmentVariable("METRIC_FILE");
var ignoreTerm = Environment.GetEnvironmentVariable("IGNORE_SIGTERM") == "1";

Console.WriteLine($"workload {name} pid {Environment.ProcessId} listening on {port}");
foreach (var variable in (Environment.GetEnvironmentVariable("ECHO_ENV") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
{
    Console.WriteLine($"env {variable}={Environment.GetEnvironmentVariable(variable)}");
}

foreach (var variable in (Environment.GetEnvironmentVariable("ECHO_FILES") ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries))
{
    var path = Environment.GetEnvironmentVariable(variable) ?? "";
    Console.WriteLine(File.Exists(path) ? $"file {variable}={File.ReadAllText(path)}" : $"file {variable} missing at {path}");
}

using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
{
    Console.WriteLine(ignoreTerm ? "SIGTERM ignored" : "SIGTERM received, exiting");
    if (ignoreTerm)
    {
        context.Cancel = true;
    }
});

if (int.TryParse(Environment.GetEnvironmentVariable("EXIT_AFTER_SECONDS"), CultureInfo.InvariantCulture, out var exitAfter))
{
    _ = Task.Run(async () =>
    {
        await Task.Delay(TimeSpan.FromSeconds(exitAfter));
        Console.WriteLine("exiting with 3");
        Environment.Exit(3);
    });
}

var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
builder.WebHost.ConfigureKestrel(k => k.Listen(IPAddress.Loopback, port, listen =>
{
    if (Environment.GetEnvironmentVariable("TLS_PFX") is { Length: > 0 } pfx)
    {
        listen.UseHttps(X509CertificateLoader.LoadPkcs12FromFile(pfx, null));
    }
}));
if (ignoreTerm)
{
    // The host would stop on SIGTERM by itself; this replica must not.
    builder.Services.AddSingleton<IHostLifetime, DeafLifetime>();
}

var app = builder.Build();
app.MapGet("/healthz", () => Results.Text("ok"));
app.MapGet("/apis/external.metrics.k8s.io/v1beta1", () => Results.Json(new JsonObject
{
    ["kind"] = "APIResourceList",
    ["apiVersion"] = "v1",
    ["groupVersion"] = "external.metrics.k8s.io/v1beta1",
    ["resources"] = new JsonArray(),
}));
app.MapGet("/apis/external.metrics.k8s.io/v1beta1/namespaces/{ns}/{metric}", (string ns, string metric, HttpRequest request) =>
{
    var value = metricFile is not null && File.Exists(metricFile) ? File.ReadAllText(metricFile).Trim() : "0";
    Console.WriteLine($"metric {ns}/{metric} selector={request.Query["labelSelector"]} user={request.Headers["X-Remote-User"]} value={value}");
    return Results.Json(new JsonObject
    {
        ["kind"] = "ExternalMetricValueList",
        ["apiVersion"] = "external.metrics.k8s.io/v1beta1",
        ["metadata"] = new JsonObject(),
        ["items"] = new JsonArray(new JsonObject
        {
            ["metricName"] = metric,
            ["metricLabels"] = new JsonObject(),
            ["timestamp"] = DateTimeOffset.UtcNow.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture),
            ["value"] = value,
        }),
    });
});
app.MapGet("/file/{variable}", (string variable) =>
    Environment.GetEnvironmentVariable(variable) is { } path && File.Exists(path) ? Results.Text(File.ReadAllText(path)) : Results.NotFound());
app.MapGet("/kube/pods", async () =>
{
    var config = KubernetesClientConfiguration.BuildDefaultConfig();
    using var client = new Kubernetes(config);
    var pods = await client.CoreV1.ListNamespacedPodAsync(config.Namespace ?? "default");
    return Results.Text(string.Join(',', pods.Items.Select(p => p.Metadata.Name)));
});
app.MapGet("/say/{text}", (string text) =>
{
    Console.WriteLine($"say {text}");
    return Results.Text(name);
});
await app.RunAsync();
Console.WriteLine("stopped");

/// <summary>A host lifetime that ignores SIGTERM (and SIGINT).</summary>
internal sealed class DeafLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
