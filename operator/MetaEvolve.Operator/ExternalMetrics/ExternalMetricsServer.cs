using System.Diagnostics;
using System.Net;
using k8s;
using MetaEvolve.Operator.Scaling;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Https;

namespace MetaEvolve.Operator.ExternalMetrics;

/// <summary>
/// Serves <see cref="ExternalMetricsApi"/> over HTTPS on its own Kestrel server inside the operator process. A
/// server of its own rather than one more endpoint of the main host, because Kestrel endpoints configured in code
/// replace <c>--urls</c>/<c>ASPNETCORE_URLS</c>, and the plain health and metrics endpoint must keep honouring those.
/// Every replica serves it, leader or standby: it reads JetStream, not the leader's caches.
/// <para>
/// Only the aggregator gets in, as with any aggregated API server: Kestrel asks every client for a certificate,
/// <see cref="AggregatorAccess"/> accepts a request when that certificate chains to the requestheader client CA of
/// <c>kube-system/extension-apiserver-authentication</c> (<see cref="RequestHeaderSource"/>, re-read so a rotated CA
/// applies) and a SubjectAccessReview allows the user the aggregator names (<see cref="DelegatedAuthorizer"/>).
/// The serving certificate is reloaded when its mounted files change (<see cref="ReloadingCertificate"/>).
/// </para>
/// </summary>
public sealed class ExternalMetricsServer(OperatorOptions options, QueueLagReader reader, IKubernetes kubernetes, ILoggerFactory loggers, TimeProvider time)
    : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<ExternalMetricsServer>();
    private WebApplication? _app;
    private ReloadingCertificate? _certificate;
    private RequestHeaderSource? _requestHeaders;

    /// <summary>The bound HTTPS port once started (the configured one, or the ephemeral one for port 0).</summary>
    public int Port { get; private set; }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var settings = options.ExternalMetrics;
        if (!settings.Enabled)
        {
            _logger.LogInformation("External metrics API disabled (Operator:ExternalMetrics:Enabled=false)");
            return;
        }

        var certificate = _certificate = ServingCertificate.Load(settings, options.Namespace, time, _logger);
        var requestHeaders = _requestHeaders = new RequestHeaderSource(kubernetes, settings, loggers.CreateLogger<RequestHeaderSource>());
        await requestHeaders.StartAsync(cancellationToken);
        var https = new HttpsConnectionAdapterOptions
        {
            ServerCertificateSelector = (_, _) => certificate.Current,
            // Asked for, not required, at the TLS layer: a caller without one gets a 401 Status that says why rather
            // than a failed handshake, and the chain is checked against the requestheader CA in force at that moment.
            ClientCertificateMode = ClientCertificateMode.AllowCertificate,
            ClientCertificateValidation = (_, _, _) => true,
        };
        // The empty builder reads no configuration, so ASPNETCORE_URLS meant for the main host does not leak in.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseKestrelHttpsConfiguration().ConfigureKestrel(kestrel =>
        {
            if (settings.LoopbackOnly)
            {
                kestrel.Listen(IPAddress.Loopback, settings.Port, listen => listen.UseHttps(https));
            }
            else
            {
                kestrel.ListenAnyIP(settings.Port, listen => listen.UseHttps(https));
            }
        });
        builder.Services.AddRoutingCore();
        builder.Services.AddSingleton(loggers);
        builder.Services.AddSingleton(reader);
        var app = builder.Build();
        app.Use(async (context, next) =>
        {
            var started = Stopwatch.GetTimestamp();
            await next(context);
            _logger.LogDebug("External metrics {Method} {Path}{Query} for {User} answered {Status} in {Elapsed:F1} ms", context.Request.Method,
                context.Request.Path.Value, context.Request.QueryString.Value, (context.Items[typeof(AggregatorUser)] as AggregatorUser)?.Name ?? "(refused)",
                context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        });
        var access = new AggregatorAccess(requestHeaders, new DelegatedAuthorizer(kubernetes, settings, time), time, loggers.CreateLogger<AggregatorAccess>());
        app.Use(access.InvokeAsync);
        app.UseRouting();
        ExternalMetricsApi.Map(app);
        await app.StartAsync(cancellationToken);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        Port = new Uri(address).Port;
        _logger.LogInformation("External metrics API ({GroupVersion}) on {Address}, certificate {Subject} expiring {NotAfter:o}{Generated}",
            ExternalMetricsDocuments.GroupVersion, address, certificate.Current.Subject, certificate.Current.NotAfter.ToUniversalTime(),
            settings.CertificateFile is null ? " (self-signed at start)" : " (reloaded when its files change)");
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_app is not null)
        {
            await _app.StopAsync(cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_app is not null)
        {
            await _app.DisposeAsync();
            _app = null;
        }

        // The host disposes its services once more at the end: everything here is let go once.
        if (_requestHeaders is not null)
        {
            await _requestHeaders.DisposeAsync();
            _requestHeaders = null;
        }

        _certificate?.Dispose();
        _certificate = null;
    }
}
