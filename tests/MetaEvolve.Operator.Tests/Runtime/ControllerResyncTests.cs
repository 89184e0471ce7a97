using k8s.Models;
using MetaEvolve.Operator.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Prometheus;

namespace MetaEvolve.Operator.Tests.Runtime;

public class ControllerResyncTests
{
    private sealed class CountingReconciler(int expected) : IReconciler<V1ConfigMap>
    {
        private int _count;

        public TaskCompletionSource Reached { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public List<string> Keys { get; } = [];

        public Task<ReconcileResult> ReconcileAsync(ObjectKey key, V1ConfigMap? resource, CancellationToken cancellationToken)
        {
            lock (Keys)
            {
                Keys.Add(key.Name);
            }

            if (Interlocked.Increment(ref _count) == expected)
            {
                Reached.TrySetResult();
            }

            return Task.FromResult(ReconcileResult.Done);
        }
    }

    private static V1ConfigMap Map(string name) => new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", ResourceVersion = "x" } };

    [Fact]
    public async Task Every_cached_object_is_reconciled_again_each_resync_period_without_any_change()
    {
        var time = new FakeTimeProvider();
        var cache = new ObjectCache<V1ConfigMap>();
        cache.Replace([Map("a"), Map("b")]);
        var reconciler = new CountingReconciler(expected: 4);
        var settings = new ControllerOptions { Workers = 1, ResyncPeriod = TimeSpan.FromMinutes(10) };
        using var controller = new Controller<V1ConfigMap>("ConfigMap", cache, reconciler, settings, new OperatorMetrics(Metrics.NewCustomRegistry()), NullLogger.Instance, time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var run = controller.RunAsync(stop.Token);

        // Two periods pass with no event at all: each one queues both objects.
        time.Advance(TimeSpan.FromMinutes(10));
        await WaitUntilAsync(() => controller.Reconciles == 2);
        time.Advance(TimeSpan.FromMinutes(10));
        await reconciler.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(["a", "a", "b", "b"], reconciler.Keys.Order());
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task A_zero_resync_period_queues_nothing()
    {
        var time = new FakeTimeProvider();
        var cache = new ObjectCache<V1ConfigMap>();
        cache.Replace([Map("a")]);
        var reconciler = new CountingReconciler(expected: 1);
        var settings = new ControllerOptions { Workers = 1, ResyncPeriod = TimeSpan.Zero };
        using var controller = new Controller<V1ConfigMap>("ConfigMap", cache, reconciler, settings, new OperatorMetrics(Metrics.NewCustomRegistry()), NullLogger.Instance, time);
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var run = controller.RunAsync(stop.Token);

        time.Advance(TimeSpan.FromDays(1));
        // A marker key proves the worker ran past the advance; it is the only reconcile.
        controller.Enqueue(new ObjectKey("ns", "marker"));
        await reconciler.Reached.Task.WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Equal(["marker"], reconciler.Keys);
        await stop.CancelAsync();
        await run;
    }

    private static async Task WaitUntilAsync(Func<bool> condition)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        while (!condition())
        {
            await Task.Delay(10, timeout.Token);
        }
    }
}
