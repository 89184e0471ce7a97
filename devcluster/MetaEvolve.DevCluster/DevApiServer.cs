using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using MetaEvolve.DevCluster.Api;
using MetaEvolve.DevCluster.Authentication;
using MetaEvolve.DevCluster.Authorization;
using MetaEvolve.DevCluster.Http;
using MetaEvolve.DevCluster.Semantics;
using MetaEvolve.DevCluster.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MetaEvolve.DevCluster;

/// <summary>
/// The MetaEvolve development control plane: a Kubernetes-API-compatible server (a subset) that real
/// kubectl and KubernetesClient use unchanged. It listens on 127.0.0.1 only, over HTTPS with a CA of its own
/// (<see cref="ClusterCredentials"/>), and answers only callers with a token it gave out (<see cref="RequestGuard"/>);
/// any authenticated caller may do anything. It is for development and tests on one machine and must never be used in
/// production — use any conformant Kubernetes there.
/// </summary>
public sealed class DevApiServer : IAsyncDisposable
{
    private readonly DevClusterOptions _options;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ObjectStore _store;
    private readonly CancellationTokenSource _stopping = new();
    private WebApplication? _app;
    private Task? _collector;
    private DevApiExtensions? _extensions;

    public DevApiServer(DevClusterOptions options, ILoggerFactory? loggerFactory = null)
    {
        _options = options;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _store = new ObjectStore(options.DataDirectory, options.WatchHistory);
        Credentials = new ClusterCredentials(options.DataDirectory);
        Registry = new ResourceRegistry();
        Requests = new RequestLog(path: options.RequestLogPath);
        var admission = new CustomResourceAdmission();
        Collector = null!;
        Operations = new ResourceOperations(_store, Registry, admission, TimeProvider.System, () => Collector.Signal());
        Collector = new GarbageCollector(Operations, _loggerFactory.CreateLogger<GarbageCollector>());
    }

    public ResourceRegistry Registry { get; }
    public ResourceOperations Operations { get; }
    public RequestLog Requests { get; }

    /// <summary>The CA, serving certificate and tokens: who may call, and how callers know this server.</summary>
    public ClusterCredentials Credentials { get; }
    internal GarbageCollector Collector { get; }

    /// <summary>Output of the local workload runner's containers, served as <c>pods/log</c> (issue 7).</summary>
    public Workloads.PodLogRegistry PodLogs { get; } = new();

    /// <summary>https://127.0.0.1:PORT once started.</summary>
    public Uri BaseAddress { get; private set; } = new("https://127.0.0.1/");

    /// <summary>A kubeconfig for <paramref name="user"/> (its token issued on first use, trusted from then on).</summary>
    public string KubeconfigFor(string user, string ns = "default", params string[] groups) =>
        Kubeconfig.Render(BaseAddress, Credentials.Authority.CertificatePem, user, Credentials.TokenFor(user, groups), ns);

    /// <summary>KubernetesClient settings for <paramref name="user"/>: this server, its CA, the user's token.</summary>
    public k8s.KubernetesClientConfiguration ClientConfiguration(string user, params string[] groups) => new()
    {
        Host = BaseAddress.ToString().TrimEnd('/'),
        AccessToken = Credentials.TokenFor(user, groups),
        SslCaCerts = [X509CertificateLoader.LoadCertificate(Credentials.Authority.Certificate.RawData)],
    };

    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        Bootstrap();
        // Content root = the app's directory: the host watches it recursively for config changes (not a busy working directory).
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Services.AddSingleton(_loggerFactory);
        builder.WebHost.UseKestrelHttpsConfiguration().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, _options.Port, l => l.UseHttps(Credentials.Serving)));
        var app = builder.Build();
        var tables = new TableConverter(TimeProvider.System);
        var identity = new CallerIdentity(Credentials);
        var handler = new ApiRequestHandler(Registry, Operations, new ScaleOperations(Operations), new OpenApiDocuments(Registry),
            tables, new WatchStreamer(_store, tables, _options.BookmarkInterval, _stopping.Token), Requests,
            new SubjectAccessReviews(new RbacAuthorizer(_store)), _options, _loggerFactory.CreateLogger<ApiRequestHandler>());
        // Issue 7 hook: aggregated APIs (APIService → Service) and pods/log answer before the resource handler.
        _extensions = new DevApiExtensions(Registry, _store, PodLogs, Requests, Credentials, _loggerFactory);
        app.Use(new RequestGuard(identity, Requests).InvokeAsync);
        app.Use(_extensions.InvokeAsync);
        app.Run(handler.HandleAsync);
        await app.StartAsync(cancellationToken);
        _app = app;
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        BaseAddress = new Uri(address.Replace("[::]", "127.0.0.1", StringComparison.Ordinal) + "/");
        _collector = Task.Run(() => Collector.RunAsync(_stopping.Token), CancellationToken.None);
        Collector.Signal();
    }

    /// <summary>
    /// A new front-proxy CA and aggregator client certificate, published in
    /// <c>kube-system/extension-apiserver-authentication</c>: aggregated servers that re-read it trust the new one,
    /// and the aggregator presents the new certificate from its next request.
    /// </summary>
    public void RotateFrontProxyAuthority()
    {
        Credentials.RotateFrontProxy();
        Apply("configmaps", "kube-system", BootstrapPolicy.AuthenticationConfigMapFor(Credentials));
    }

    /// <summary>Creates a bootstrap object, or puts back its bootstrap content (as kube-apiserver reconciles its own).</summary>
    private void Apply(string resource, string ns, JsonObject desired)
    {
        var group = resource is "configmaps" ? "" : "rbac.authorization.k8s.io";
        var type = Registry.Find(group, "v1", resource)!;
        var name = ObjectMeta.Name(desired);
        if (_store.Get(new ObjectKey(type.GroupResource, ns, name)) is null)
        {
            Operations.Create(type, ns, desired, new WriteOptions());
        }
        else
        {
            Operations.Update(type, ns, name, desired, null, new WriteOptions());
        }
    }

    /// <summary>Serves stored CRDs again and makes sure the initial namespaces and the bootstrap policy exist.</summary>
    private void Bootstrap()
    {
        var crdType = Registry.Find("apiextensions.k8s.io", "v1", "customresourcedefinitions")!;
        foreach (var crd in _store.List(crdType.GroupResource, null).Items)
        {
            Registry.RegisterCrd(crd);
        }

        var namespaces = Registry.Find("", "v1", "namespaces")!;
        foreach (var name in _options.InitialNamespaces)
        {
            if (_store.Get(new ObjectKey(namespaces.GroupResource, "", name)) is null)
            {
                Operations.Create(namespaces, "", new JsonObject { ["metadata"] = new JsonObject { ["name"] = name } }, new WriteOptions());
            }
        }

        foreach (var (resource, ns, desired) in BootstrapPolicy.Objects(Credentials))
        {
            Apply(resource, ns, desired);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        if (_app is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _app.StopAsync(timeout.Token);
            await _app.DisposeAsync();
        }

        if (_collector is not null)
        {
            await _collector;
        }

        _extensions?.Dispose();
        _store.Dispose();
        Requests.Dispose();
        Credentials.Dispose();
        _stopping.Dispose();
    }
}
