using System.CommandLine;
using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.Cli.Dev;

/// <summary><c>metaevolve dev …</c>: the local development system.</summary>
public static class DevCommands
{
    public static Command Create()
    {
        var port = new Option<int>("--port")
        {
            Description = "Loopback port of the dev API server (env METAEVOLVE_APISERVER_PORT).",
            DefaultValueFactory = _ => int.TryParse(Environment.GetEnvironmentVariable("METAEVOLVE_APISERVER_PORT"), out var p) ? p : 16443,
        };
        var noServices = new Option<bool>("--no-services") { Description = "Do not start NATS, PostgreSQL and Redis (hack/services.sh)." };
        var noSamples = new Option<bool>("--no-samples") { Description = "Do not apply samples/." };
        var noOperator = new Option<bool>("--no-operator")
        {
            Description = "Do not run the operator (and register no external metrics API): install it yourself, e.g. with the Helm chart.",
        };
        var noCrds = new Option<bool>("--no-crds") { Description = "Do not apply crds/ (nor samples/): leave them to an installer such as the Helm chart." };
        var noGateway = new Option<bool>("--no-gateway") { Description = "Do not run the task gateway (same as --gateway-port 0)." };
        var gatewayPort = new Option<int>("--gateway-port")
        {
            Description = "Loopback port of the task gateway; 0 = no gateway (env METAEVOLVE_GATEWAY_PORT).",
            DefaultValueFactory = _ => int.TryParse(Environment.GetEnvironmentVariable("METAEVOLVE_GATEWAY_PORT"), out var p) ? p : 18080,
        };
        var operatorPort = new Option<int>("--operator-port")
        {
            Description = "Loopback port of the operator's health and metrics endpoints (env METAEVOLVE_OPERATOR_PORT).",
            DefaultValueFactory = _ => int.TryParse(Environment.GetEnvironmentVariable("METAEVOLVE_OPERATOR_PORT"), out var p) ? p : 18081,
        };
        var metricsApiPort = new Option<int>("--metrics-api-port")
        {
            Description = "Loopback HTTPS port of the operator's external metrics API, registered as the APIService v1beta1.external.metrics.k8s.io; 0 = none (env METAEVOLVE_METRICS_API_PORT).",
            DefaultValueFactory = _ => int.TryParse(Environment.GetEnvironmentVariable("METAEVOLVE_METRICS_API_PORT"), out var p) ? p : 18443,
        };
        var root = new Option<DirectoryInfo?>("--root") { Description = "The MetaEvolve checkout (default: found upwards from the current directory)." };

        var up = new Command("up", "Start the dev control plane and local services in the foreground; Ctrl+C stops everything it started.")
        {
            port, noServices, noSamples, noCrds, noOperator, noGateway, root, gatewayPort, operatorPort, metricsApiPort,
        };
        up.SetAction((parse, cancellationToken) => new DevUp(new DevUpOptions(
            parse.GetValue(root)?.FullName ?? RepositoryRoot.Find(Directory.GetCurrentDirectory()) ?? Directory.GetCurrentDirectory(),
            parse.GetValue(port),
            !parse.GetValue(noServices),
            !parse.GetValue(noSamples))
        {
            GatewayPort = parse.GetValue(gatewayPort),
            OperatorPort = parse.GetValue(operatorPort),
            MetricsApiPort = parse.GetValue(metricsApiPort),
            StartOperator = !parse.GetValue(noOperator),
            ApplyCrds = !parse.GetValue(noCrds),
            StartGateway = !parse.GetValue(noGateway),
        }, Console.Out).RunAsync(cancellationToken));

        return new Command("dev", "Run MetaEvolve on this machine without a cluster (development only).") { up };
    }
}
