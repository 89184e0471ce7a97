using k8s;
using k8s.Models;
using MetaEvolve.DevCluster.Tests;
using MetaEvolve.Operator.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;

namespace MetaEvolve.Operator.Tests.Runtime;

/// <summary>
/// The builder's wiring against the dev control plane (no services needed): a ConfigMap controller that owns Secrets
/// and also watches Secrets through a mapping function (the label <c>for</c> names a ConfigMap).
/// </summary>
public class ControllerBuilderTests
{
    private const string Ns = "default";
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Records the keys it is asked to reconcile, in order.</summary>
    private sealed class RecordingReconciler : IReconciler<V1ConfigMap>
    {
        private readonly Lock _gate = new();
        private readonly List<ObjectKey> _seen = [];
        private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public IReadOnlyList<ObjectKey> Seen
        {
            get
            {
                lock (_gate)
                {
                    return [.. _seen];
                }
            }
        }

        public Task<ReconcileResult> ReconcileAsync(ObjectKey key, V1ConfigMap? resource, CancellationToken cancellationToken)
        {
            lock (_gate)
            {
                _seen.Add(key);
                _changed.TrySetResult();
                _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
            }

            return Task.FromResult(ReconcileResult.Done);
        }

        /// <summary>Waits until <paramref name="name"/> was reconciled after the first <paramref name="after"/> reconciles; returns the reconciles up to it.</summary>
        public async Task<IReadOnlyList<string>> UntilAsync(string name, int after)
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(Ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(30));
            while (true)
            {
                Task changed;
                lock (_gate)
                {
                    var index = _seen.FindIndex(after, k => k.Name == name);
                    if (index >= 0)
                    {
                        return [.. _seen.Skip(after).Take(index - after + 1).Select(k => k.Name)];
                    }

                    changed = _changed.Task;
                }

                await changed.WaitAsync(timeout.Token);
            }
        }
    }

    private static async Task<V1ConfigMap> ConfigMapAsync(Kubernetes client, string name) =>
        await client.CoreV1.CreateNamespacedConfigMapAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name } }, Ns, cancellationToken: Ct);

    private static V1Secret Secret(string name, string? pointsAt = null, params V1OwnerReference[] owners) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Labels = pointsAt is null ? null : new Dictionary<string, string> { ["for"] = pointsAt },
            OwnerReferences = owners.Length == 0 ? null : owners,
        },
    };

    private static V1OwnerReference OwnerRef(V1ConfigMap owner, bool controller) => new()
    {
        ApiVersion = "v1",
        Kind = "ConfigMap",
        Name = owner.Metadata.Name,
        Uid = owner.Metadata.Uid,
        Controller = controller,
    };

    [Fact]
    public async Task Owns_requeues_the_controlling_owner_and_Watches_requeues_what_the_old_and_new_version_map_to()
    {
        await using var host = await DevClusterHost.StartAsync();
        var client = host.Client();
        var a = await ConfigMapAsync(client, "a");
        var b = await ConfigMapAsync(client, "b");
        await ConfigMapAsync(client, "c");

        var settings = new ControllerOptions { Workers = 1, ResyncPeriod = TimeSpan.Zero };
        using var manager = new ControllerManager(client, new WatchOptions(), settings, new OperatorMetrics(Metrics.NewCustomRegistry()), NullLoggerFactory.Instance);
        var reconciler = new RecordingReconciler();
        manager.For<V1ConfigMap>()
            .Owns<V1Secret>()
            .Watches<V1Secret>(secret => secret.Metadata.Labels?.TryGetValue("for", out var name) == true ? [new ObjectKey(Ns, name)] : [])
            .Complete(reconciler);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        var run = manager.RunAsync(stop.Token);

        // For: every ConfigMap of the first list.
        await reconciler.UntilAsync("a", 0);
        await reconciler.UntilAsync("b", 0);
        await reconciler.UntilAsync("c", 0);
        var mark = reconciler.Seen.Count;

        // Owns: a Secret controlled by a and merely owned by b requeues a only. The next change (a Secret pointing at
        // c) is reconciled after everything the first one queued, by the single worker.
        await client.CoreV1.CreateNamespacedSecretAsync(Secret("child", null, OwnerRef(a, controller: true), OwnerRef(b, controller: false)), Ns, cancellationToken: Ct);
        await reconciler.UntilAsync("a", mark);
        await client.CoreV1.CreateNamespacedSecretAsync(Secret("pointer", pointsAt: "c"), Ns, cancellationToken: Ct);
        var afterOwns = await reconciler.UntilAsync("c", mark);
        Assert.DoesNotContain("b", afterOwns);
        mark = reconciler.Seen.Count;

        // Watches: the pointer moved from c to b; both the ConfigMap it left and the one it joined are reconciled.
        var pointer = await client.CoreV1.ReadNamespacedSecretAsync("pointer", Ns, cancellationToken: Ct);
        pointer.Metadata.Labels["for"] = "b";
        await client.CoreV1.ReplaceNamespacedSecretAsync(pointer, "pointer", Ns, cancellationToken: Ct);
        await reconciler.UntilAsync("b", mark);
        await reconciler.UntilAsync("c", mark);

        Assert.True(manager.State.Synced);
        Assert.NotNull(manager.State.Of<V1Secret>().Get(new ObjectKey(Ns, "pointer")));
        Assert.DoesNotContain(manager.State.Of<V1Secret>().Get(new ObjectKey(Ns, "pointer"))!.Data?.Values ?? [], v => v.Length > 0);
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_kind_declared_twice_with_different_cache_options_and_a_cache_nobody_declared_are_refused()
    {
        await using var host = await DevClusterHost.StartAsync();
        using var manager = new ControllerManager(host.Client(), new WatchOptions(), new ControllerOptions(), new OperatorMetrics(Metrics.NewCustomRegistry()), NullLoggerFactory.Instance);
        var builder = manager.For<V1ConfigMap>().Owns<V1Secret>();

        var conflict = Assert.Throws<InvalidOperationException>(() => builder.Watches<V1Secret>(_ => [], new CacheOptions { LabelSelector = "app=x" }));
        Assert.Contains("V1Secret", conflict.Message, StringComparison.Ordinal);
        var undeclared = Assert.Throws<InvalidOperationException>(() => manager.State.Of<V1Deployment>());
        Assert.Contains("not watched", undeclared.Message, StringComparison.Ordinal);
    }
}
