using System.Diagnostics;

namespace MetaEvolve.Bench.Chaos;

/// <summary>
/// <c>chaos.worker_kill</c>: system.sleep tasks on a pool of three workers while one worker after the other is
/// SIGKILLed every few seconds and started again. A task may run again after a crash of a worker that held it (its
/// first execution never completed), so it may run once plus once per kill between its queueing and its result.
/// </summary>
internal static class WorkerKillScenario
{
    public static async Task<ScenarioResult> RunAsync(ChaosServices services, CancellationToken cancellationToken)
    {
        var tasks = BenchArguments.Int("--worker-kill-tasks", 2_000);
        var sleepMs = BenchArguments.Int("--worker-kill-sleep-ms", 200);
        var killEvery = TimeSpan.FromSeconds(BenchArguments.Int("--worker-kill-every-s", 3));
        const int Replicas = 3;
        const int Concurrency = 8;

        await using var bed = await TaskBed.CreateAsync("worker_kill", services, model: null);
        var workers = Enumerable.Range(0, Replicas).Select(_ => bed.StartWorker(Concurrency)).ToArray();
        var gateway = bed.StartGateway();
        await Task.WhenAll([.. workers.Select(w => w.WaitReadyAsync(TimeSpan.FromSeconds(60))), gateway.WaitReadyAsync(TimeSpan.FromSeconds(60))]);

        var load = new SubmissionLoad(bed, _ => gateway, clients: 16, perSecond: 200);
        var submitting = load.RunAsync(tasks, _ => TaskBed.SleepBody(sleepMs), TimeSpan.FromMinutes(2), cancellationToken);
        var kills = new List<DateTimeOffset>();
        var started = Stopwatch.GetTimestamp();
        // Kill while tasks are still open: bounded by 40 kills and 4 minutes.
        for (var k = 0; k < 40 && Stopwatch.GetElapsedTime(started) < TimeSpan.FromMinutes(4); k++)
        {
            await Task.Delay(killEvery, cancellationToken);
            if (submitting.IsCompleted && await OpenAsync(bed, load, cancellationToken) == 0)
            {
                break;
            }
            var slot = k % Replicas;
            kills.Add(DateTimeOffset.UtcNow);
            workers[slot].Kill();
            workers[slot] = bed.StartWorker(Concurrency);
        }
        await submitting;
        Console.Error.WriteLine($"worker_kill: {kills.Count} workers killed, {load.Refused} submissions not acknowledged after retries");
        await bed.WaitFinalAsync([.. load.Accepted.Keys], TimeSpan.FromSeconds(90), cancellationToken);
        var rows = await bed.ReadAsync([.. load.Accepted.Keys], cancellationToken);
        var retried = rows.Count(r => r.Attempts > 1);
        Console.Error.WriteLine($"worker_kill: {retried} tasks ran again after a crash");
        return ScenarioResult.Count("worker_kill", load, rows,
            r => 1 + kills.Count(at => at >= r.QueuedAt.AddSeconds(-1) && at <= (r.FinishedAt ?? DateTimeOffset.UtcNow)));
    }

    private static async Task<int> OpenAsync(TaskBed bed, SubmissionLoad load, CancellationToken cancellationToken) =>
        (await bed.ReadAsync([.. load.Accepted.Keys], cancellationToken)).Count(r => !Core.Tasks.TaskStates.IsFinal(r.Status));
}
