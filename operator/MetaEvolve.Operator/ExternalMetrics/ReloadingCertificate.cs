using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace MetaEvolve.Operator.ExternalMetrics;

/// <summary>
/// The serving certificate Kestrel presents, read again when its files change, so a rotation (cert-manager renewing
/// the Secret) needs no restart. The kubelet updates a Secret volume by writing a new timestamped directory and
/// renaming the <c>..data</c> symlink onto it, so a change shows as a new final link target; a file overwritten in
/// place shows as a new write time or length. The check is a few stat calls per TLS handshake (connections are kept
/// alive, so handshakes are rare). A pair that cannot be loaded (half written, key not matching) keeps the previous
/// certificate in use and is tried again at the next handshake.
/// </summary>
public sealed class ReloadingCertificate : IDisposable
{
    private readonly string? _certificateFile;
    private readonly string? _keyFile;
    private readonly ILogger _logger;
    private readonly Lock _gate = new();
    private X509Certificate2 _current;
    private string _version;
    private string? _failedVersion;

    /// <summary>Serves <paramref name="generated"/> for ever (no files to watch).</summary>
    public ReloadingCertificate(X509Certificate2 generated, ILogger logger)
    {
        _current = generated;
        _version = "";
        _logger = logger;
    }

    /// <summary>Loads the pair now (a missing or broken pair fails the start) and reloads it when it changes.</summary>
    public ReloadingCertificate(string certificateFile, string keyFile, ILogger logger)
    {
        _certificateFile = certificateFile;
        _keyFile = keyFile;
        _logger = logger;
        _version = Version(certificateFile, keyFile);
        _current = Load(certificateFile, keyFile);
    }

    public X509Certificate2 Current
    {
        get
        {
            if (_certificateFile is null || _keyFile is null)
            {
                return _current;
            }

            lock (_gate)
            {
                string version;
                try
                {
                    version = Version(_certificateFile, _keyFile);
                }
                catch (IOException)
                {
                    return _current;
                }

                if (version == _version || version == _failedVersion)
                {
                    return _current;
                }

                try
                {
                    var loaded = Load(_certificateFile, _keyFile);
                    // The old certificate is not disposed: a handshake that picked it up moments ago may still use it.
                    _current = loaded;
                    _version = version;
                    _failedVersion = null;
                    _logger.LogInformation("External metrics API: serving certificate reloaded from {File}: {Subject}, expiring {NotAfter:o}",
                        _certificateFile, loaded.Subject, loaded.NotAfter.ToUniversalTime());
                }
                catch (Exception exception) when (exception is CryptographicException or IOException or ArgumentException)
                {
                    _failedVersion = version;
                    _logger.LogWarning("External metrics API: the changed certificate {File} cannot be loaded ({Problem}); still serving {Subject}",
                        _certificateFile, exception.Message, _current.Subject);
                }

                return _current;
            }
        }
    }

    private static X509Certificate2 Load(string certificateFile, string keyFile) => X509Certificate2.CreateFromPemFile(certificateFile, keyFile);

    private static string Version(string certificateFile, string keyFile) => Stamp(certificateFile) + "|" + Stamp(keyFile);

    private static string Stamp(string path)
    {
        var target = File.ResolveLinkTarget(path, returnFinalTarget: true)?.FullName ?? Path.GetFullPath(path);
        var file = new FileInfo(target);
        return $"{target}:{file.LastWriteTimeUtc.Ticks}:{file.Length}";
    }

    public void Dispose() => _current.Dispose();
}
