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
        Tokens = new StaticTokens(pki is null ? null : Path.Combine(pki, "tokens.csv"));
    }

    /// <summary>The cluster CA: it signs the serving certificate; kubeconfigs and pods trust it.</summary>
    public CertificateAuthority Authority { get; }

    /// <summary>The API server's certificate for 127.0.0.1, ::1 and localhost.</summary>
    public X509Certificate2 Serving { get; }

    public StaticTokens Tokens { get; }

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
    }
}
