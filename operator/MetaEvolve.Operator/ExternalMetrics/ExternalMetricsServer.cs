using System.Diagnostics;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using MetaEvolve.Operator.Scaling;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;

namespace MetaEvolve.Operator.ExternalMetrics;

/// <summary>
/// Serves <see cref="ExternalMetricsApi"/> over HTTPS on its own Kestrel server inside the operator process. A
/// server of its own rather than one more endpoint of the main host, because Kestrel endpoints configured in code
/// replace <c>--urls</c>/<c>ASPNETCORE_URLS</c>, and the plain health and metrics endpoint must keep honouring those.
/// Every replica serves it, leader or standby: it reads JetStream, not the leader's caches.
/// <para>
/// Not done (yet): authenticating the aggregator (the requestheader client CA and <c>X-Remote-User</c>) and
/// delegated authorization (SubjectAccessReview). Anyone who can reach the port can read queue lags — pool names
/// and numbers, nothing secret; restrict the port with a NetworkPolicy where that matters.
/// </para>
/// </summary>
public sealed class ExternalMetricsServer(OperatorOptions options, QueueLagReader reader, ILoggerFactory loggers, TimeProvider time)
    : IHostedService, IAsyncDisposable
{
    private readonly ILogger _logger = loggers.CreateLogger<ExternalMetricsServer>();
    private WebApplication? _app;
    private X509Certificate2? _certificate;

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

        _certificate = ServingCertificate.Load(settings, options.Namespace, time);
        // The empty builder reads no configuration, so ASPNETCORE_URLS meant for the main host does not leak in.
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().UseKestrelHttpsConfiguration().ConfigureKestrel(kestrel =>
        {
            if (settings.LoopbackOnly)
            {
                kestrel.Listen(IPAddress.Loopback, settings.Port, listen => listen.UseHttps(_certificate));
            }
            else
            {
                kestrel.ListenAnyIP(settings.Port, listen => listen.UseHttps(_certificate));
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
            _logger.LogDebug("External metrics {Method} {Path}{Query} answered {Status} in {Elapsed:F1} ms", context.Request.Method,
                context.Request.Path.Value, context.Request.QueryString.Value, context.Response.StatusCode, Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        });
        app.UseRouting();
        ExternalMetricsApi.Map(app);
        await app.StartAsync(cancellationToken);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses.First();
        Port = new Uri(address).Port;
        _logger.LogInformation("External metrics API ({GroupVersion}) on {Address}, certificate {Subject} expiring {NotAfter:o}{Generated}",
            ExternalMetricsDocuments.GroupVersion, address, _certificate.Subject, _certificate.NotAfter.ToUniversalTime(),
            settings.CertificateFile is null ? " (self-signed at start)" : "");
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

        _certificate?.Dispose();
    }
}
