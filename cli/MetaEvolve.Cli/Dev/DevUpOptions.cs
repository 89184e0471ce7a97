namespace MetaEvolve.Cli.Dev;

/// <summary>What <c>metaevolve dev up</c> starts, and where.</summary>
public sealed record DevUpOptions(string Root, int Port, bool StartServices, bool ApplySamples)
{
    /// <summary>Loopback port of the task gateway; 0 means no gateway.</summary>
    public int GatewayPort { get; init; } = 18080;

    /// <summary>
    /// Whether dev up runs the operator itself. Off (<c>--no-operator</c>) when something else installs it into
    /// the control plane, such as the Helm chart: then only the control plane, its workload runner and the CRDs run.
    /// </summary>
    public bool StartOperator { get; init; } = true;

    /// <summary>
    /// Whether dev up applies crds/ (<c>--no-crds</c>: leave them to an installer, such as the Helm chart, which
    /// will not take over CRDs it did not create). Samples need them, so they go too.
    /// </summary>
    public bool ApplyCrds { get; init; } = true;

    /// <summary>Whether dev up runs the task gateway itself (<c>--no-gateway</c>: as <see cref="StartOperator"/>).</summary>
    public bool StartGateway { get; init; } = true;

    public bool RunsGateway => StartGateway && GatewayPort > 0;

    /// <summary>Loopback port of the operator's health and metrics endpoints.</summary>
    public int OperatorPort { get; init; }

    /// <summary>Loopback HTTPS port of the operator's external metrics API; 0 means none (HPAs then see no metric).</summary>
    public int MetricsApiPort { get; init; }

    public string StateDirectory => Path.Combine(Root, ".metaevolve");
    public string KubeconfigPath => Path.Combine(StateDirectory, "kubeconfig");
    public string DataDirectory => Path.Combine(StateDirectory, "cluster");

    /// <summary>The pods' sandbox directories (volumes, ServiceAccount kubeconfigs).</summary>
    public string PodsDirectory => Path.Combine(StateDirectory, "pods");
}
