using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>
/// Plays the part of the kubelet and the Deployment controller, which the dev control plane does not run yet
/// (issue 7 adds a runner): whenever a Deployment's spec changes, its status reports every desired replica as
/// updated, ready and available. This is what lets an AgentPool reach Ready in these tests — honestly faked
/// pods, not running workers.
/// </summary>
internal sealed class KubeletStandIn(IKubernetes client, string ns) : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public void Start() => _loop = Task.Run(() => RunAsync(_stop.Token));

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                var list = await client.AppsV1.ListNamespacedDeploymentAsync(ns, cancellationToken: cancellationToken);
                foreach (var deployment in list.Items)
                {
                    await ReportAsync(deployment, cancellationToken);
                }

                await foreach (var (type, deployment) in client.AppsV1.WatchListNamespacedDeploymentAsync(ns, resourceVersion: list.Metadata.ResourceVersion,
                    cancellationToken: cancellationToken))
                {
                    if (type is WatchEventType.Added or WatchEventType.Modified)
                    {
                        await ReportAsync(deployment, cancellationToken);
                    }
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception)
            {
                // The server may be restarting in a test; look again shortly.
                try
                {
                    await Task.Delay(200, cancellationToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task ReportAsync(V1Deployment deployment, CancellationToken cancellationToken)
    {
        var replicas = deployment.Spec.Replicas ?? 1;
        var status = deployment.Status;
        if (status is not null && status.ObservedGeneration == deployment.Metadata.Generation && status.AvailableReplicas == replicas && status.UpdatedReplicas == replicas)
        {
            return;
        }

        var patch = new JsonObject
        {
            ["status"] = new JsonObject
            {
                ["observedGeneration"] = deployment.Metadata.Generation,
                ["replicas"] = replicas,
                ["updatedReplicas"] = replicas,
                ["readyReplicas"] = replicas,
                ["availableReplicas"] = replicas,
            },
        };
        await client.AppsV1.PatchNamespacedDeploymentStatusAsync(new V1Patch(patch.ToJsonString(), V1Patch.PatchType.MergePatch),
            deployment.Metadata.Name, ns, cancellationToken: cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            await _loop;
        }

        _stop.Dispose();
    }
}
