using System.Security.Cryptography.X509Certificates;

namespace MetaEvolve.DevCluster.Authentication;

/// <summary>
/// What the dev control plane proves itself and its callers with: a cluster CA (generated on first start; kept in
/// <c>&lt;data&gt;/pki/</c> when the control plane has a data directory, so kubeconfigs survive restarts), the
/// loopback serving certificate it signs, the static tokens of named users, and the ServiceAccount tokens issued to pods.
/// </summary>
public sealed class ClusterCredentials : IDisposable
{
    public ClusterCredentials(string? dataDirectory)
    {
        var pki = dataDirectory is null ? null : Path.Combine(dataDirectory, "pki");
        if (pki is null)
        {
            Authority = CertificateAuthority.Create("metaevolve-dev-ca");
        }
        else
        {
            Directory.CreateDirectory(pki);
            var certificate = Path.Combine(pki, "ca.crt");
            var key = Path.Combine(pki, "ca.key");
            if (File.Exists(certificate) && File.Exists(key))
            {
                Authority = CertificateAuthority.Load(certificate, key);
            }
            else
            {
                Authority = CertificateAuthority.Create("metaevolve-dev-ca");
                Authority.Save(certificate, key);
            }
        }

        Serving = Authority.IssueServing("metaevolve-dev-apiserver");
        _frontProxyFiles = pki is null ? null : (Path.Combine(pki, "front-proxy-ca.crt"), Path.Combine(pki, "front-proxy-ca.key"));
        _frontProxy = FrontProxyFrom(_frontProxyFiles is { } files && File.Exists(files.Certificate) && File.Exists(files.Key)
            ? CertificateAuthority.Load(files.Certificate, files.Key)
            : SaveFrontProxy(CertificateAuthority.Create("metaevolve-dev-front-proxy-ca")));
        Tokens = new StaticTokens(pki is null ? null : Path.Combine(pki, "tokens.csv"));
    }

    /// <summary>The cluster CA: it signs the serving certificate; kubeconfigs and pods trust it.</summary>
    public CertificateAuthority Authority { get; }

    /// <summary>The API server's certificate for 127.0.0.1, ::1 and localhost.</summary>
    public X509Certificate2 Serving { get; }

    public StaticTokens Tokens { get; }

    /// <summary>The CN of the aggregator's client certificate, the one requestheader-allowed-names lists.</summary>
    public const string FrontProxyClientName = "front-proxy-client";

    private readonly (string Certificate, string Key)? _frontProxyFiles;
    private volatile FrontProxyCredentials _frontProxy;

    /// <summary>
    /// The front-proxy CA (kube-apiserver's <c>--requestheader-client-ca-file</c>), a CA of its own as kubeadm makes
    /// it, and the client certificate the aggregator presents to aggregated API servers (CN front-proxy-client).
    /// </summary>
    public FrontProxyCredentials FrontProxy => _frontProxy;

    /// <summary>A new front-proxy CA and client certificate (what a CA rotation does); the caller publishes the CA.</summary>
    public FrontProxyCredentials RotateFrontProxy()
    {
        _frontProxy = FrontProxyFrom(SaveFrontProxy(CertificateAuthority.Create("metaevolve-dev-front-proxy-ca")));
        return _frontProxy;
    }

    private CertificateAuthority SaveFrontProxy(CertificateAuthority authority)
    {
        if (_frontProxyFiles is { } files)
        {
            authority.Save(files.Certificate, files.Key);
        }

        return authority;
    }

    private static FrontProxyCredentials FrontProxyFrom(CertificateAuthority authority) =>
        new(authority, authority.IssueClient(FrontProxyClientName));

    /// <summary>The tokens pods get for their ServiceAccounts.</summary>
    public ServiceAccountTokens ServiceAccounts { get; } = new();

    /// <summary>The bearer token of a named user (issued on first use).</summary>
    public string TokenFor(string user, params string[] groups) => Tokens.TokenFor(user, groups);

    /// <summary>An HTTP handler for in-process clients of this server: it trusts the cluster CA and nothing else.</summary>
    public SocketsHttpHandler TrustingHandler()
    {
        var handler = new SocketsHttpHandler();
        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, _) =>
        {
            if (certificate is null)
            {
                return false;
            }

            using var served = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            return Authority.IsIssuerOf(served);
        };
        return handler;
    }

    public void Dispose()
    {
        Serving.Dispose();
        Authority.Dispose();
        // Rotated-out front-proxy credentials are not disposed: a proxied request may still be using them.
    }
}

/// <summary>The front-proxy CA and the aggregator's client certificate it signed.</summary>
public sealed record FrontProxyCredentials(CertificateAuthority Authority, X509Certificate2 Client);
