using System.Globalization;
using MetaEvolve.Core;
using MetaEvolve.DevCluster.Local;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace MetaEvolve.Bench.Runtime;

/// <summary>
/// runtime.startup: from starting a process (<c>dotnet &lt;dll&gt;</c>) with a message already waiting until that
/// process has fetched it. The worker says when in <c>metaevolve_worker_first_task_fetched_time_seconds</c> (read from
/// its /metrics once the task's result is announced); the baseline, <see cref="StartupProbe"/>, prints it. Both are
/// measured from just before the launch, on this machine's wall clock, alternating, and the median is kept.
/// </summary>
internal sealed class StartupBenchmark(NatsJSContext js, ConnectionOptions connections, string suffix)
{
    private readonly string _stream = $"BENCH_PROBE_{suffix.ToUpperInvariant()}";
    private readonly string _subject = $"bench.probe.{suffix}";
    private const string Consumer = "probe";

    public async Task SetUpAsync(CancellationToken cancellationToken)
    {
        await js.CreateOrUpdateStreamAsync(new StreamConfig(_stream, [_subject]) { Retention = StreamConfigRetention.Workqueue }, cancellationToken);
        await js.CreateOrUpdateConsumerAsync(_stream, new ConsumerConfig(Consumer) { AckPolicy = ConsumerConfigAckPolicy.Explicit }, cancellationToken);
    }

    public Task TearDownAsync() => js.DeleteStreamAsync(_stream).AsTask();

    /// <summary>One baseline sample in milliseconds.</summary>
    public async Task<double> ProbeOnceAsync(CancellationToken cancellationToken)
    {
        await js.PublishAsync(_subject, "{}"u8.ToArray(), cancellationToken: cancellationToken);
        var fetched = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        var launched = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var probe = ChildProcess.Start("startup-probe", typeof(StartupBenchmark).Assembly.Location,
            new Dictionary<string, string>(connections.ToEnvironment()) { ["DOTNET_gcServer"] = "0" },
            echo: line =>
            {
                if (line.StartsWith(StartupProbe.FetchedLine, StringComparison.Ordinal))
                {
                    fetched.TrySetResult(long.Parse(line.AsSpan(StartupProbe.FetchedLine.Length), CultureInfo.InvariantCulture));
                }
            },
            arguments: [StartupProbe.Mode, _stream, Consumer]);
        var at = await fetched.Task.WaitAsync(TimeSpan.FromSeconds(60), cancellationToken);
        return at - launched;
    }

    /// <summary>One worker sample in milliseconds: <paramref name="start"/> launches the worker with a task waiting,
    /// <paramref name="done"/> completes when its result is announced.</summary>
    public static async Task<(double Ms, ChildProcess Worker)> WorkerOnceAsync(Func<ChildProcess> start, Func<Task> done, HttpClient http, CancellationToken cancellationToken)
    {
        var launched = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var worker = start();
        await done();
        var metrics = await http.GetStringAsync(new Uri(worker.BaseAddress!, "/metrics"), cancellationToken);
        const string Name = "metaevolve_worker_first_task_fetched_time_seconds ";
        var line = metrics.Split('\n').First(l => l.StartsWith(Name, StringComparison.Ordinal));
        var seconds = double.Parse(line.AsSpan(Name.Length), NumberStyles.Float, CultureInfo.InvariantCulture);
        return (seconds * 1000 - launched, worker);
    }
}
