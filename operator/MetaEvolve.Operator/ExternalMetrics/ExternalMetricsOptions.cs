namespace MetaEvolve.Operator.ExternalMetrics;

/// <summary>
/// The operator's <c>external.metrics.k8s.io</c> endpoint (configuration section <c>Operator:ExternalMetrics</c>,
/// e.g. env <c>Operator__ExternalMetrics__Port</c>). It listens on its own HTTPS port beside the plain health and
/// metrics endpoint, on every replica, leader or not: it reads NATS, not the leader's caches. Callers are
/// authenticated as an aggregated API server authenticates the kube-aggregator (the requestheader client CA of
/// ConfigMap <c>kube-system/extension-apiserver-authentication</c>) and authorized by SubjectAccessReviews.
/// </summary>
public sealed record ExternalMetricsOptions
{
    public bool Enabled { get; init; } = true;

    /// <summary>HTTPS port on all interfaces; 0 binds an ephemeral port (tests read it from <see cref="ExternalMetricsServer"/>).</summary>
    public int Port { get; init; } = 6443;

    /// <summary>Loopback only instead of all interfaces (dev up and tests).</summary>
    public bool LoopbackOnly { get; init; }

    /// <summary>
    /// PEM serving certificate (e.g. a cert-manager Secret mounted as tls.crt); with <see cref="KeyFile"/>. Read
    /// again when either file changes (a Secret volume's update swaps a symlink), so a rotation needs no restart.
    /// </summary>
    public string? CertificateFile { get; init; }

    /// <summary>PEM private key of <see cref="CertificateFile"/> (tls.key).</summary>
    public string? KeyFile { get; init; }

    /// <summary>
    /// How often the requestheader settings (the aggregator's client CA, allowed names, header names) are read
    /// again from <c>kube-system/extension-apiserver-authentication</c>, so a rotated client CA applies without a
    /// restart. The API server's own controller re-reads on a similar scale.
    /// </summary>
    public TimeSpan AuthenticationRefreshInterval { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// How long a SubjectAccessReview's answer (allowed or denied) is reused for the same user and request, as
    /// k8s.io/apiserver's delegating authorizer does (10 s each): the HPA asks every 15 s per pool.
    /// </summary>
    public TimeSpan AuthorizationCacheTtl { get; init; } = TimeSpan.FromSeconds(10);
}
