namespace MetaEvolve.Bench.Chaos;

/// <summary>
/// <c>chaos.poison</c>: 200 chat tasks and one whose model answer carries U+0000, which PostgreSQL refuses in text and
/// jsonb. The poison task must be recorded failed with the reason, and the 200 others succeed, each run once (a
/// failed batch write must not send its neighbours back for another execution).
/// </summary>
internal static class PoisonScenario
{
    public static async Task<(ScenarioResult Result, string? Problem)> RunAsync(ChaosServices services, CancellationToken cancellationToken)
    {
        const int Normal = 200;
        const int PoisonIndex = Normal / 2;
        await using var model = new ScriptedModel(TimeSpan.FromMilliseconds(20));
        await using var bed = await TaskBed.CreateAsync("poison", services, model);
        var worker = bed.StartWorker(16);
        var gateway = bed.StartGateway();
        await Task.WhenAll(worker.WaitReadyAsync(TimeSpan.FromSeconds(60)), gateway.WaitReadyAsync(TimeSpan.FromSeconds(60)));

        var load = new SubmissionLoad(bed, _ => gateway, clients: 16, perSecond: 1_000);
        string Message(int i) => i == PoisonIndex ? ScriptedModel.PoisonMessage : $"chaos {i}";
        await load.RunAsync(Normal + 1, i => TaskBed.ChatBody(Message(i), thread: null), TimeSpan.FromMinutes(1), cancellationToken);
        await bed.WaitFinalAsync([.. load.Accepted.Keys], TimeSpan.FromSeconds(60), cancellationToken);
        var rows = await bed.ReadAsync([.. load.Accepted.Keys], cancellationToken);
        ServerRestartScenario.Report("poison", rows);

        var poison = rows.SingleOrDefault(r => load.Accepted[r.Id] == PoisonIndex);
        var normalSucceeded = rows.Count(r => load.Accepted[r.Id] != PoisonIndex && r.Status == Core.Tasks.TaskStates.Succeeded);
        string? problem = null;
        if (poison is not { Status: Core.Tasks.TaskStates.Failed })
        {
            problem = $"poison: the U+0000 task is {poison?.Status ?? "missing"}, not failed";
        }
        else if (normalSucceeded != load.Accepted.Count - 1)
        {
            problem = $"poison: {load.Accepted.Count - 1 - normalSucceeded} of the normal tasks did not succeed";
        }
        var result = ScenarioResult.Count("poison", load, rows, _ => 1, r => model.Executions.GetValueOrDefault(Message(load.Accepted[r.Id])));
        return (result, problem);
    }
}
