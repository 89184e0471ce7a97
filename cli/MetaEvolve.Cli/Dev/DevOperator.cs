using MetaEvolve.Core.Packaging;
using MetaEvolve.DevCluster.Local;

namespace MetaEvolve.Cli.Dev;

/// <summary>
/// The operator under <c>dev up</c>: a child process reconciling against the dev control plane through the
/// kubeconfig dev up wrote, with the local services' connection settings (inherited from dev up's
/// environment, whose defaults match hack/services.sh). Worker pods get the image the runner maps to the
/// built agent-runtime.
/// </summary>
public sealed class DevOperator(string root, string kubeconfigPath, int port, int metricsApiPort, TextWriter output) : IAsyncDisposable
{
    /// <summary>The image the operator gives pools without spec.image; LocalImages maps it to the built agent-runtime.</summary>
    public const string WorkerImage = ContainerImages.Repository + "/" + ContainerImages.AgentRuntime + ":dev";

    private ChildProcess? _process;

    public void Start()
    {
        var log = Path.Combine(root, ".metaevolve", "operator.log");
        _process = ChildProcess.StartProject(root, "operator", "MetaEvolve.Operator.Host", new Dictionary<string, string>
        {
            ["KUBECONFIG"] = kubeconfigPath,
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
            ["Operator__DefaultImage"] = WorkerImage,
            ["Operator__ExternalMetrics__Enabled"] = metricsApiPort > 0 ? "true" : "false",
            ["Operator__ExternalMetrics__Port"] = metricsApiPort.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Operator__ExternalMetrics__LoopbackOnly"] = "true",
        }, log);
        output.WriteLine($"      operator on http://127.0.0.1:{port} (logs in {Path.GetRelativePath(root, log)}); pools run {WorkerImage}");
        if (metricsApiPort > 0)
        {
            output.WriteLine($"      its external metrics API on https://127.0.0.1:{metricsApiPort}");
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is not null)
        {
            await _process.DisposeAsync();
        }
    }
}
