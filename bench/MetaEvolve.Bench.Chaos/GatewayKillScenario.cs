using System.Diagnostics;

namespace MetaEvolve.Bench.Chaos;

/// <summary>
/// <c>chaos.gateway_kill</c>: bursts of submissions over two gateway replicas while one replica after the other is
/// SIGKILLed mid-burst and started again. Every submission a gateway answered 202 must end in a result, exactly once
/// (no worker crashes here).
/// </summary>
internal static class GatewayKillScenario
{
    public static async Task<ScenarioResult> RunAsync(ChaosServices services, CancellationToken cancellationToken)
    {
        var tasks = BenchArguments.Int("--gateway-kill-tasks", 2_000);
        var killEvery = TimeSpan.FromSeconds(2);

        await using var bed = await TaskBed.CreateAsync("gateway_kill", services, model: null);
        var workers = new[] { bed.StartWorker(16), bed.StartWorker(16) };
        var gateways = new[] { bed.StartGateway(), bed.StartGateway() };
        await Task.WhenAll([.. workers.Select(w => w.WaitReadyAsync(TimeSpan.FromSeconds(60))), .. gateways.Select(g => g.WaitReadyAsync(TimeSpan.FromSeconds(60)))]);

        // 64 clients, so each kill finds requests in flight; paced so that the submissions span several kills.
        var load = new SubmissionLoad(bed, i => Volatile.Read(ref gateways[i % 2]), clients: 64, perSecond: 50);
        var submitting = load.RunAsync(tasks, i => TaskBed.SleepBody(10), TimeSpan.FromMinutes(2), cancellationToken);
        var kills = 0;
        var started = Stopwatch.GetTimestamp();
        for (var k = 0; !submitting.IsCompleted && k < 30 && Stopwatch.GetElapsedTime(started) < TimeSpan.FromMinutes(2); k++)
        {
            await Task.Delay(killEvery, cancellationToken);
            var slot = k % 2;
            gateways[slot].Kill();
            kills++;
            var restart = Stopwatch.GetTimestamp();
            var replacement = bed.StartGateway();
            await replacement.WaitReadyAsync(TimeSpan.FromSeconds(60));
            Console.Error.WriteLine($"gateway_kill: replica {slot} killed, its replacement ready after {Stopwatch.GetElapsedTime(restart).TotalSeconds:F1} s");
            Volatile.Write(ref gateways[slot], replacement);
        }
        await submitting;
        Console.Error.WriteLine($"gateway_kill: {kills} gateways killed, {load.Refused} submissions not acknowledged after retries");
        await bed.WaitFinalAsync([.. load.Accepted.Keys], TimeSpan.FromSeconds(90), cancellationToken);
        var rows = await bed.ReadAsync([.. load.Accepted.Keys], cancellationToken);
        ServerRestartScenario.Report("gateway_kill", rows);
        return ScenarioResult.Count("gateway_kill", load, rows, _ => 1);
    }
}
