namespace MetaEvolve.Bench.Chaos;

/// <summary>
/// <c>chaos.nats_restart</c>, <c>chaos.postgres_restart</c>, <c>chaos.redis_restart</c>: a steady stream of tasks
/// through a gateway to two workers while the server is killed, kept down a few seconds and started again. No worker
/// crashes, so every task must run exactly once. Redis holds the agents' thread memory, so its scenario runs chat
/// tasks (in threads) on the scripted model, whose request count per task is a second count of executions.
/// </summary>
internal static class ServerRestartScenario
{
    public enum Server
    {
        Nats,
        Postgres,
        Redis,
    }

    public static async Task<ScenarioResult> RunAsync(ChaosServices services, Server server, CancellationToken cancellationToken)
    {
        var name = server.ToString().ToLowerInvariant() + "_restart";
        var tasks = BenchArguments.Int("--restart-tasks", 1_200);
        var perSecond = 100.0;
        var downtime = TimeSpan.FromSeconds(BenchArguments.Int("--restart-downtime-s", 3));

        await using var model = server == Server.Redis ? new ScriptedModel(TimeSpan.FromMilliseconds(20)) : null;
        await using var bed = await TaskBed.CreateAsync(name, services, model);
        var workers = new[] { bed.StartWorker(8), bed.StartWorker(8) };
        var gateway = bed.StartGateway();
        await Task.WhenAll([.. workers.Select(w => w.WaitReadyAsync(TimeSpan.FromSeconds(60))), gateway.WaitReadyAsync(TimeSpan.FromSeconds(60))]);

        var load = new SubmissionLoad(bed, _ => gateway, clients: 8, perSecond);
        Func<int, string> body = model is null
            ? _ => TaskBed.SleepBody(20)
            : i => TaskBed.ChatBody($"chaos {i}", thread: $"t{i % 50}");
        var submitting = load.RunAsync(tasks, body, TimeSpan.FromMinutes(2), cancellationToken);
        // A third of the way in, so tasks are queued, running and being recorded when the server goes.
        await Task.Delay(TimeSpan.FromSeconds(tasks / perSecond / 3), cancellationToken);
        await (server switch
        {
            Server.Nats => services.RestartNatsAsync(downtime, cancellationToken),
            Server.Postgres => services.RestartPostgresAsync(downtime, cancellationToken),
            _ => services.RestartRedisAsync(downtime, cancellationToken),
        });
        await submitting;
        Console.Error.WriteLine($"{name}: {load.Refused} submissions not acknowledged after retries");
        await bed.WaitFinalAsync([.. load.Accepted.Keys], TimeSpan.FromSeconds(120), cancellationToken);
        var rows = await bed.ReadAsync([.. load.Accepted.Keys], cancellationToken);
        Report(name, rows);
        Console.Error.WriteLine($"{name}: {rows.Count(r => r.Attempts > 1)} tasks were claimed more than once (retried after a failure)");
        return ScenarioResult.Count(name, load, rows, _ => 1,
            model is null ? null : r => model.Executions.GetValueOrDefault($"chaos {load.Accepted[r.Id]}"));
    }

    /// <summary>Tasks that did not succeed, by error, on stderr: a fault may fail a task (recorded, not lost), and how is worth seeing.</summary>
    public static void Report(string name, IEnumerable<TaskRow> rows)
    {
        foreach (var group in rows.Where(r => r.Status != Core.Tasks.TaskStates.Succeeded).GroupBy(r => $"{r.Status}: {r.Error}").Take(5))
        {
            Console.Error.WriteLine($"{name}: {group.Count()} tasks {group.Key}");
        }
    }
}
