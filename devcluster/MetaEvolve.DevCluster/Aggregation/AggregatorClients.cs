using System.Collections.Concurrent;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Semantics;

namespace MetaEvolve.DevCluster.Aggregation;

/// <summary>
/// One HTTPS client per APIService, trusting what the APIService says as the real aggregator does:
/// <c>insecureSkipTLSVerify</c> accepts any certificate; otherwise the serving certificate must chain
/// to <c>caBundle</c> and name <c>&lt;service&gt;.&lt;namespace&gt;.svc</c>. Every client presents the front-proxy
/// client certificate, by which the aggregated server knows the aggregator (and so believes its X-Remote-* headers);
/// a rotated one is taken up by the next request.
/// </summary>
public sealed class AggregatorClients(Func<X509Certificate2> clientCertificate) : IDisposable
{
    private readonly ConcurrentDictionary<string, (string Version, HttpClient Client)> _clients = new(StringComparer.Ordinal);

    public HttpClient For(JsonObject apiService, string serverName)
    {
        var name = ObjectMeta.Name(apiService);
        var certificate = clientCertificate();
        var version = ObjectMeta.ResourceVersion(apiService) + "/" + serverName + "/" + certificate.Thumbprint;
        if (_clients.TryGetValue(name, out var cached) && cached.Version == version)
        {
            return cached.Client;
        }

        var client = new HttpClient(Handler(apiService, serverName, certificate)) { Timeout = Timeout.InfiniteTimeSpan };
        // The replaced client is not disposed: a request may still be streaming through it.
        _clients[name] = (version, client);
        return client;
    }

    private static SocketsHttpHandler Handler(JsonObject apiService, string serverName, X509Certificate2 certificate)
    {
        var spec = apiService["spec"];
        var handler = new SocketsHttpHandler { AllowAutoRedirect = false, UseProxy = false, UseCookies = false };
        // Presented whatever CA names the server asks for, as kube-aggregator does (its proxy client cert is fixed).
        handler.SslOptions.ClientCertificates = [certificate];
        handler.SslOptions.LocalCertificateSelectionCallback = (_, _, _, _, _) => certificate;
        if (spec?["insecureSkipTLSVerify"]?.GetValue<bool>() == true)
        {
#pragma warning disable CA5359 // The APIService asked for it (insecureSkipTLSVerify), as the real aggregator honours.
            handler.SslOptions.RemoteCertificateValidationCallback = (_, _, _, _) => true;
#pragma warning restore CA5359
            return handler;
        }

        var bundle = new X509Certificate2Collection();
        if ((string?)spec?["caBundle"] is { Length: > 0 } caBundle)
        {
            bundle.ImportFromPem(Encoding.UTF8.GetString(Convert.FromBase64String(caBundle)));
        }

        handler.SslOptions.RemoteCertificateValidationCallback = (_, certificate, _, errors) =>
        {
            if (certificate is null)
            {
                return false;
            }

            using var served = X509CertificateLoader.LoadCertificate(certificate.GetRawCertData());
            if (bundle.Count == 0)
            {
                return errors == SslPolicyErrors.None;
            }

            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(bundle);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return chain.Build(served) && served.MatchesHostname(serverName);
        };
        return handler;
    }

    public void Dispose()
    {
        foreach (var (_, client) in _clients.Values)
        {
            client.Dispose();
        }
    }
}
