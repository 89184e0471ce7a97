using MetaEvolve.DevCluster.Aggregation;
using MetaEvolve.DevCluster.Autoscaling;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace MetaEvolve.DevCluster.Workloads;

/// <summary>
/// The controllers that make the dev control plane run what it stores (issue 7): the deployment
/// controller, the local kubelet (Pods as processes), the endpoints controller, APIService
/// availability and the HPA emulation. They work in process on the server's store and operations,
/// as kube-controller-manager would through the API, except that the HPA reads External metrics
/// over HTTP through the server's aggregation layer, exactly as the real controller does.
/// Disposing stops every process, each within its grace period.
/// </summary>
public sealed class DevWorkloads : IAsyncDisposable
{
    private readonly DevApiServer _server;
    private readonly HttpClient _apiClient;
    private readonly DeploymentController _deployments;
    private readonly EndpointsController _endpoints;
    private readonly ApiServiceAvailabilityController _apiServices;
    private readonly HorizontalPodAutoscalerController _hpa;

    public DevWorkloads(DevApiServer server, WorkloadOptions options, ILoggerFactory? loggerFactory = null, TimeProvider? time = null)
    {
        var logs = loggerFactory ?? NullLoggerFactory.Instance;
        var operations = server.Operations;
        // Pods reach the API server with their ServiceAccount's token, as in a cluster (the address is known once it started).
        Kubelet = new LocalKubelet(operations, server.PodLogs, options, new ServiceAccountCredentials(server.Credentials, () => server.BaseAddress),
            logs.CreateLogger<LocalKubelet>());
        _deployments = new DeploymentController(operations, options, logs.CreateLogger<DeploymentController>());
        _endpoints = new EndpointsController(operations, logs.CreateLogger<EndpointsController>());
        _apiServices = new ApiServiceAvailabilityController(operations, logs.CreateLogger<ApiServiceAvailabilityController>());
        _server = server;
        // The HPA controller reads metrics through the API server as kube-controller-manager's HPA does: as its ServiceAccount.
        _apiClient = new HttpClient(server.Credentials.TrustingHandler()) { Timeout = TimeSpan.FromSeconds(10) };
        _apiClient.DefaultRequestHeaders.Authorization = new("Bearer", server.Credentials.ServiceAccounts.Issue("kube-system", "horizontal-pod-autoscaler"));
        _hpa = new HorizontalPodAutoscalerController(operations, new ExternalMetricsClient(_apiClient), options, time ?? TimeProvider.System,
            logs.CreateLogger<HorizontalPodAutoscalerController>());
    }

    public LocalKubelet Kubelet { get; }

    /// <summary>Starts every controller; call after the server has started (the HPA needs its address).</summary>
    public void Start()
    {
        _apiClient.BaseAddress = _server.BaseAddress;
        Kubelet.Start();
        _deployments.Start();
        _endpoints.Start();
        _apiServices.Start();
        _hpa.Start();
    }

    public async ValueTask DisposeAsync()
    {
        await _hpa.DisposeAsync();
        await _deployments.DisposeAsync();
        await _endpoints.DisposeAsync();
        await _apiServices.DisposeAsync();
        await Kubelet.DisposeAsync();
        _apiClient.Dispose();
    }
}
