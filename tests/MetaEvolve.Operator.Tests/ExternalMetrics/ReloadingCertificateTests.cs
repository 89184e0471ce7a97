using System.Security.Cryptography.X509Certificates;
using MetaEvolve.Operator.ExternalMetrics;
using Microsoft.Extensions.Logging.Abstractions;

namespace MetaEvolve.Operator.Tests.ExternalMetrics;

public sealed class ReloadingCertificateTests : IDisposable
{
    private readonly string _directory = Directory.CreateTempSubdirectory("reloading-cert-").FullName;

    [Fact]
    public void A_secret_volume_update_by_symlink_swap_is_served_from_the_next_handshake()
    {
        // The kubelet's layout: tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>/, swapped by a rename.
        using var first = ServingCertificate.SelfSigned("first", DateTimeOffset.UtcNow);
        WriteVersion("..2024_01_01", first);
        File.CreateSymbolicLink(Path.Combine(_directory, "..data"), "..2024_01_01");
        File.CreateSymbolicLink(Path.Combine(_directory, "tls.crt"), "..data/tls.crt");
        File.CreateSymbolicLink(Path.Combine(_directory, "tls.key"), "..data/tls.key");
        using var holder = new ReloadingCertificate(Path.Combine(_directory, "tls.crt"), Path.Combine(_directory, "tls.key"), NullLogger.Instance);
        Assert.Equal(first.Thumbprint, holder.Current.Thumbprint);

        using var second = ServingCertificate.SelfSigned("second", DateTimeOffset.UtcNow);
        WriteVersion("..2024_02_01", second);
        File.CreateSymbolicLink(Path.Combine(_directory, "..data_tmp"), "..2024_02_01");
        // rename(2) over the old link, as the kubelet does (File.Move looks through a link to a directory).
        using (var rename = System.Diagnostics.Process.Start("mv", ["-T", Path.Combine(_directory, "..data_tmp"), Path.Combine(_directory, "..data")]))
        {
            rename.WaitForExit();
            Assert.Equal(0, rename.ExitCode);
        }

        Directory.Delete(Path.Combine(_directory, "..2024_01_01"), recursive: true);

        Assert.Equal(second.Thumbprint, holder.Current.Thumbprint);
        Assert.True(holder.Current.HasPrivateKey);
    }

    [Fact]
    public void A_pair_that_does_not_load_keeps_the_previous_certificate_until_it_does()
    {
        using var first = ServingCertificate.SelfSigned("first", DateTimeOffset.UtcNow);
        using var second = ServingCertificate.SelfSigned("second", DateTimeOffset.UtcNow);
        var certificate = Path.Combine(_directory, "tls.crt");
        var key = Path.Combine(_directory, "tls.key");
        File.WriteAllText(certificate, first.ExportCertificatePem());
        File.WriteAllText(key, first.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        using var holder = new ReloadingCertificate(certificate, key, NullLogger.Instance);

        // The certificate is written before its key: for a moment the pair does not match.
        File.WriteAllText(certificate, second.ExportCertificatePem());
        Assert.Equal(first.Thumbprint, holder.Current.Thumbprint);

        File.WriteAllText(key, second.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
        Assert.Equal(second.Thumbprint, holder.Current.Thumbprint);
    }

    private void WriteVersion(string folder, X509Certificate2 certificate)
    {
        var path = Directory.CreateDirectory(Path.Combine(_directory, folder)).FullName;
        File.WriteAllText(Path.Combine(path, "tls.crt"), certificate.ExportCertificatePem());
        File.WriteAllText(Path.Combine(path, "tls.key"), certificate.GetECDsaPrivateKey()!.ExportPkcs8PrivateKeyPem());
    }

    public void Dispose() => Directory.Delete(_directory, recursive: true);
}
