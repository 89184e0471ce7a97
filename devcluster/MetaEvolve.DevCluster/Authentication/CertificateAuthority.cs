using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MetaEvolve.DevCluster.Authentication;

/// <summary>
/// A certificate authority of the dev control plane (ECDSA P-256), and the certificates it signs: the API server's
/// serving certificate, and client certificates (the aggregator's). Certificates carry what Go's crypto/x509
/// (kubectl, helm) insists on: positive serials, subject alternative names, key identifiers.
/// </summary>
public sealed class CertificateAuthority : IDisposable
{
    private static readonly TimeSpan Validity = TimeSpan.FromDays(3650);
    private static readonly Oid ServerAuth = new("1.3.6.1.5.5.7.3.1");
    private static readonly Oid ClientAuth = new("1.3.6.1.5.5.7.3.2");

    private CertificateAuthority(X509Certificate2 certificate) => Certificate = certificate;

    /// <summary>The CA certificate, with its private key.</summary>
    public X509Certificate2 Certificate { get; }

    public string CertificatePem => Certificate.ExportCertificatePem();

    public static CertificateAuthority Create(string commonName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign | X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        return new CertificateAuthority(request.CreateSelfSigned(now.AddHours(-1), now + Validity));
    }

    /// <summary>Loads a CA saved with <see cref="Save"/>.</summary>
    public static CertificateAuthority Load(string certificatePath, string keyPath) =>
        new(X509Certificate2.CreateFromPemFile(certificatePath, keyPath));

    public void Save(string certificatePath, string keyPath)
    {
        File.WriteAllText(certificatePath, CertificatePem);
        WritePrivate(keyPath, PrivateKeyPem(Certificate));
    }

    /// <summary>A serving certificate for loopback (127.0.0.1, ::1, localhost).</summary>
    public X509Certificate2 IssueServing(string commonName)
    {
        var names = new SubjectAlternativeNameBuilder();
        names.AddIpAddress(IPAddress.Loopback);
        names.AddIpAddress(IPAddress.IPv6Loopback);
        names.AddDnsName("localhost");
        return Issue($"CN={commonName}", ServerAuth, names.Build());
    }

    /// <summary>A client certificate: Kubernetes reads the user from CN and groups from O.</summary>
    public X509Certificate2 IssueClient(string user, params string[] groups) =>
        Issue(string.Join(", ", groups.Select(g => $"O={g}").Prepend($"CN={user}")), ClientAuth, null);

    /// <summary>Whether <paramref name="certificate"/> was signed by this CA (and is in its validity period).</summary>
    public bool IsIssuerOf(X509Certificate2 certificate)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(Certificate);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(certificate);
    }

    private X509Certificate2 Issue(string subject, Oid usage, X509Extension? names)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([usage], false));
        request.CertificateExtensions.Add(X509AuthorityKeyIdentifierExtension.CreateFromCertificate(Certificate, true, false));
        if (names is not null)
        {
            request.CertificateExtensions.Add(names);
        }

        var now = DateTimeOffset.UtcNow;
        var notAfter = now + Validity < Certificate.NotAfter ? now + Validity : Certificate.NotAfter;
        using var signed = request.Create(Certificate, now.AddHours(-1), notAfter, PositiveSerial());
        return signed.CopyWithPrivateKey(key);
    }

    /// <summary>A private key as PKCS#8 PEM (what Kubernetes tooling and <see cref="X509Certificate2.CreateFromPemFile"/> read).</summary>
    public static string PrivateKeyPem(X509Certificate2 certificate) =>
        certificate.GetECDsaPrivateKey()?.ExportPkcs8PrivateKeyPem()
        ?? throw new InvalidOperationException($"{certificate.Subject} has no ECDSA private key");

    /// <summary>Writes a file only its owner can read (keys and tokens).</summary>
    public static void WritePrivate(string path, string content)
    {
        if (OperatingSystem.IsWindows())
        {
            File.WriteAllText(path, content);
            return;
        }

        var ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        using (var file = new FileStream(path, new FileStreamOptions { Mode = FileMode.Create, Access = FileAccess.Write, UnixCreateMode = ownerOnly }))
        using (var writer = new StreamWriter(file))
        {
            writer.Write(content);
        }

        // An existing file keeps its mode when it is overwritten.
        File.SetUnixFileMode(path, ownerOnly);
    }

    // RFC 5280 serials are positive integers of at most 20 bytes; Go rejects negative ones.
    private static byte[] PositiveSerial()
    {
        var serial = RandomNumberGenerator.GetBytes(16);
        serial[0] &= 0x7F;
        serial[0] |= 0x01;
        return serial;
    }

    public void Dispose() => Certificate.Dispose();
}
