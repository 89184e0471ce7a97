using System.Runtime.CompilerServices;
using k8s;
using k8s.Models;
using MetaEvolve.Operator.Runtime;
using Microsoft.Extensions.Logging.Abstractions;
using Prometheus;

namespace MetaEvolve.Operator.Tests.Runtime;

public class ResourceWatcherTests
{
    private static V1ConfigMap Map(string name, string rv) => new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "ns", ResourceVersion = rv } };

    /// <summary>Serves scripted lists and watch streams and records what the watcher asked for.</summary>
    private sealed class ScriptedSource : IWatchSource<V1ConfigMap>
    {
        public Queue<IReadOnlyList<V1ConfigMap>> Lists { get; } = new();
        public Queue<Func<IEnumerable<(WatchEventType, V1ConfigMap)>>> Streams { get; } = new();
        public List<string> WatchedFrom { get; } = [];
        public TaskCompletionSource Exhausted { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string Resource => "test/configmaps";

        public Task<(IReadOnlyList<V1ConfigMap> Items, string ResourceVersion)> ListAsync(CancellationToken cancellationToken)
        {
            var items = Lists.Dequeue();
            return Task.FromResult((items, items.Max(i => i.Metadata.ResourceVersion) ?? "0"));
        }

        public async IAsyncEnumerable<(WatchEventType Type, V1ConfigMap Object)> WatchAsync(string resourceVersion, TimeSpan timeout,
            Action<Exception> onError, [EnumeratorCancellation] CancellationToken cancellationToken)
        {
            WatchedFrom.Add(resourceVersion);
            if (!Streams.TryDequeue(out var stream))
            {
                Exhausted.TrySetResult();
                await Task.Delay(Timeout.Infinite, cancellationToken);
                yield break;
            }

            foreach (var item in stream())
            {
                yield return item;
            }
        }
    }

    [Fact]
    public async Task Watch_resumes_from_the_last_version_relists_on_410_and_reports_objects_deleted_meanwhile()
    {
        var source = new ScriptedSource();
        source.Lists.Enqueue([Map("a", "1"), Map("b", "2")]);
        source.Streams.Enqueue(() => [(WatchEventType.Modified, Map("a", "3")), (WatchEventType.Bookmark, Map("", "5"))]);
        source.Streams.Enqueue(() => throw new ResourceVersionGoneException("too old"));
        source.Lists.Enqueue([Map("a", "7")]);

        var registry = Metrics.NewCustomRegistry();
        var metrics = new OperatorMetrics(registry);
        var cache = new ObjectCache<V1ConfigMap>();
        var watcher = new ResourceWatcher<V1ConfigMap>(source, cache, new WatchOptions(), metrics, NullLogger.Instance);
        var seen = new List<(WatchEventType, string, string)>();
        watcher.Subscribe(change => seen.Add((change.Type, change.Current.Metadata.Name, change.Current.Metadata.ResourceVersion)));

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var run = watcher.RunAsync(cts.Token);
        await source.Exhausted.Task.WaitAsync(TestContext.Current.CancellationToken);
        await cts.CancelAsync();
        await run;

        Assert.Equal(["2", "5", "7"], source.WatchedFrom);
        Assert.Equal(
            [
                (WatchEventType.Added, "a", "1"), (WatchEventType.Added, "b", "2"),
                (WatchEventType.Modified, "a", "3"),
                (WatchEventType.Deleted, "b", "2"), (WatchEventType.Added, "a", "7"),
            ],
            seen);
        Assert.Equal("7", cache.Get(new ObjectKey("ns", "a"))!.Metadata.ResourceVersion);
        Assert.Null(cache.Get(new ObjectKey("ns", "b")));
        Assert.Equal(1, metrics.WatchRestarts.WithLabels("test/configmaps", "gone").Value);
    }

    [Fact]
    public async Task A_failing_watch_is_retried_and_counted_instead_of_stopping()
    {
        var source = new ScriptedSource();
        source.Lists.Enqueue([Map("a", "1")]);
        source.Streams.Enqueue(() => throw new HttpRequestException("connection refused"));
        source.Streams.Enqueue(() => throw new HttpRequestException("connection refused"));
        source.Streams.Enqueue(() => [(WatchEventType.Added, Map("b", "4"))]);

        var metrics = new OperatorMetrics(Metrics.NewCustomRegistry());
        var cache = new ObjectCache<V1ConfigMap>();
        var settings = new WatchOptions { MinBackoff = TimeSpan.FromMilliseconds(1), MaxBackoff = TimeSpan.FromMilliseconds(5) };
        var watcher = new ResourceWatcher<V1ConfigMap>(source, cache, settings, metrics, NullLogger.Instance);

        using var cts = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
        var run = watcher.RunAsync(cts.Token);
        await source.Exhausted.Task.WaitAsync(TestContext.Current.CancellationToken);
        await cts.CancelAsync();
        await run;

        Assert.Equal(2, metrics.WatchRestarts.WithLabels("test/configmaps", "error").Value);
        Assert.NotNull(cache.Get(new ObjectKey("ns", "b")));
        Assert.Equal(["1", "1", "1", "4"], source.WatchedFrom);
    }
}
