namespace MetaEvolve.Testing;

/// <summary>How long a test waits for a service it started (worker, gateway) to answer /readyz.</summary>
public static class ServiceStartup
{
    /// <summary>
    /// Generous: CI runs every test project at once on a small machine, where a worker has taken over 30 s to
    /// start. A deadline, not a measurement: a service that is ready sooner is used sooner.
    /// </summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);
}
