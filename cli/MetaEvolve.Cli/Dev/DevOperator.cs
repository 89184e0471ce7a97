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

    private readonly string _log = Path.Combine(root, ".metaevolve", "operator.log");
    private ChildProcess? _process;

    public void Start()
    {
        var log = _log;
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

    /// <summary>
    /// Waits until the operator's external metrics API answers. It answers only the aggregator (a caller without the
    /// front-proxy client certificate gets 401), so any HTTP answer means it is serving. dev up registers the
    /// APIService only then: registered earlier, every kubectl command in the meantime prints
    /// <c>couldn't get resource list for external.metrics.k8s.io/v1beta1 … connection refused</c>.
    /// </summary>
    public async Task WaitForMetricsApiAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        // Loopback only, and the operator makes a fresh self-signed certificate at every start (as the APIService's
        // insecureSkipTLSVerify says): there is no CA to check it against.
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = HttpClientHandler.DangerousAcceptAnyServerCertificateValidator };
        using var client = new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(2) };
        var discovery = new Uri($"https://127.0.0.1:{metricsApiPort}/apis/external.metrics.k8s.io/v1beta1");
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_process is null || _process.HasExited)
            {
                throw new InvalidOperationException($"the operator exited before its external metrics API answered (see {Path.GetRelativePath(root, _log)})");
            }

            try
            {
                using var response = await client.GetAsync(discovery, cancellationToken);
                return;
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new InvalidOperationException($"the operator's external metrics API did not answer on {discovery} within {timeout.TotalSeconds:0} s (see {Path.GetRelativePath(root, _log)})");
            }

            await Task.Delay(200, cancellationToken);
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
