namespace MetaEvolve.Cli.Dev;

/// <summary>What <c>metaevolve dev up</c> starts, and where.</summary>
public sealed record DevUpOptions(string Root, int Port, bool StartServices, bool ApplySamples)
{
    /// <summary>Loopback port of the task gateway; 0 means no gateway.</summary>
    public int GatewayPort { get; init; } = 18080;

    /// <summary>Loopback port of the operator's health and metrics endpoints.</summary>
    public int OperatorPort { get; init; }

    /// <summary>Loopback HTTPS port of the operator's external metrics API; 0 means none (HPAs then see no metric).</summary>
    public int MetricsApiPort { get; init; }

    public string StateDirectory => Path.Combine(Root, ".metaevolve");
    public string KubeconfigPath => Path.Combine(StateDirectory, "kubeconfig");
    public string DataDirectory => Path.Combine(StateDirectory, "cluster");
}
