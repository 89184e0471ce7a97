namespace MetaEvolve.Cli.Dev;

/// <summary>What <c>metaevolve dev up</c> starts, and where.</summary>
public sealed record DevUpOptions(string Root, int Port, bool StartServices, bool ApplySamples)
{
    public string StateDirectory => Path.Combine(Root, ".metaevolve");
    public string KubeconfigPath => Path.Combine(StateDirectory, "kubeconfig");
    public string DataDirectory => Path.Combine(StateDirectory, "cluster");
}
