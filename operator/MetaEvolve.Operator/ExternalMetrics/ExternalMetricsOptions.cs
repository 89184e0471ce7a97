namespace MetaEvolve.Operator.ExternalMetrics;

/// <summary>
/// The operator's <c>external.metrics.k8s.io</c> endpoint (configuration section <c>Operator:ExternalMetrics</c>,
/// e.g. env <c>Operator__ExternalMetrics__Port</c>). It listens on its own HTTPS port beside the plain health and
/// metrics endpoint, on every replica, leader or not: it reads NATS, not the leader's caches.
/// </summary>
public sealed record ExternalMetricsOptions
{
    public bool Enabled { get; init; } = true;

    /// <summary>HTTPS port on all interfaces; 0 binds an ephemeral port (tests read it from <see cref="ExternalMetricsServer"/>).</summary>
    public int Port { get; init; } = 6443;

    /// <summary>Loopback only instead of all interfaces (dev up and tests).</summary>
    public bool LoopbackOnly { get; init; }

    /// <summary>PEM serving certificate (e.g. a cert-manager Secret mounted as tls.crt); with <see cref="KeyFile"/>.</summary>
    public string? CertificateFile { get; init; }

    /// <summary>PEM private key of <see cref="CertificateFile"/> (tls.key).</summary>
    public string? KeyFile { get; init; }
}
