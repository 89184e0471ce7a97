using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MetaEvolve.Operator.ExternalMetrics;

/// <summary>
/// The certificate the external metrics endpoint serves: the mounted PEM pair when configured, otherwise one
/// generated at start for the operator's Service name. A generated certificate is self-signed, so the APIService
/// that points at it says <c>insecureSkipTLSVerify: true</c>; mount a certificate and set <c>caBundle</c> instead
/// where that matters. A mounted pair is watched and reloaded when it changes (<see cref="ReloadingCertificate"/>).
/// </summary>
public static class ServingCertificate
{
    /// <summary>The Service in front of the operator pods that the APIService names.</summary>
    public const string ServiceName = "metaevolve-operator";

    public static ReloadingCertificate Load(ExternalMetricsOptions options, string operatorNamespace, TimeProvider time, ILogger logger)
    {
        if (options.CertificateFile is { Length: > 0 } certificate)
        {
            if (options.KeyFile is not { Length: > 0 } key)
            {
                throw new InvalidOperationException("Operator:ExternalMetrics:CertificateFile is set without Operator:ExternalMetrics:KeyFile");
            }

            return new ReloadingCertificate(certificate, key, logger);
        }

        return new ReloadingCertificate(SelfSigned(operatorNamespace, time.GetUtcNow()), logger);
    }

    public static X509Certificate2 SelfSigned(string operatorNamespace, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var host = $"{ServiceName}.{operatorNamespace}.svc";
        var request = new CertificateRequest($"CN={host}", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(host);
        names.AddDnsName(host + ".cluster.local");
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        // A year, back-dated an hour for clock skew; the process regenerates it at every start.
        return request.CreateSelfSigned(now.AddHours(-1), now.AddYears(1));
    }
}
