// make chaos: faults under load on real processes and servers, one line per scenario on stdout (diagnostics on stderr):
//   chaos.<scenario>: submitted <n>, recorded <n>, lost <n>, duplicated <n>
//   chaos.operator_failover: failovers <n>, new leader p50 <v> ms, orphaned <n>, lost <n>, duplicated <n>
// Exits 1 when a count that must be 0 is not (or a scenario could not run). The run owns its NATS, PostgreSQL and Redis
// (its own services dir and ports, see ChaosServices), because it kills them; it stops them at the end.
using MetaEvolve.Bench;
using MetaEvolve.Bench.Chaos;

BenchStop.Install();
string[] all = ["worker_kill", "nats_restart", "postgres_restart", "redis_restart", "gateway_kill", "operator_failover", "poison", "region_failover"];
var chosen = BenchArguments.Text("--scenarios", string.Join(',', all)).Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
var unknown = chosen.Except(all).ToArray();
if (unknown.Length > 0)
{
    Console.Error.WriteLine($"--scenarios: unknown {string.Join(", ", unknown)} (known: {string.Join(", ", all)})");
    return 2;
}

// The whole run is bounded: 19 minutes, inside the 20 the issue allows.
using var budget = CancellationTokenSource.CreateLinkedTokenSource(BenchStop.Token);
budget.CancelAfter(TimeSpan.FromMinutes(BenchArguments.Int("--budget-minutes", 19)));
var token = budget.Token;

var services = ChaosServices.FromArguments();
Console.Error.WriteLine($"chaos: services in {services.Directory} ({services.Connections.NatsUrl}); {RunContext.Describe()}");
var failed = false;
try
{
    await services.UpAsync(token);
    foreach (var scenario in chosen)
    {
        Console.Error.WriteLine($"chaos: {scenario}");
        try
        {
            var (line, clean) = scenario switch
            {
                "worker_kill" => Tasks(await WorkerKillScenario.RunAsync(services, token)),
                "nats_restart" => Tasks(await ServerRestartScenario.RunAsync(services, ServerRestartScenario.Server.Nats, token)),
                "postgres_restart" => Tasks(await ServerRestartScenario.RunAsync(services, ServerRestartScenario.Server.Postgres, token)),
                "redis_restart" => Tasks(await ServerRestartScenario.RunAsync(services, ServerRestartScenario.Server.Redis, token)),
                "gateway_kill" => Tasks(await GatewayKillScenario.RunAsync(services, token)),
                "operator_failover" => Failover(await OperatorFailoverScenario.RunAsync(services, token)),
                "region_failover" => Tasks(await RegionFailoverScenario.RunAsync(services, token)),
                _ => Poison(await PoisonScenario.RunAsync(services, token)),
            };
            Console.WriteLine(line);
            failed |= !clean;
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Console.Error.WriteLine($"chaos: {scenario} could not run: {ex}");
            failed = true;
            // A scenario that broke may have left a server down: the next one needs all three.
            await services.UpAsync(token);
        }
    }
}
catch (OperationCanceledException)
{
    Console.Error.WriteLine(BenchStop.Token.IsCancellationRequested ? "chaos: stopped" : "chaos: out of time (the run is bounded to its budget)");
    failed = true;
}
finally
{
    await services.DownAsync();
}
return failed ? 1 : 0;

static (string Line, bool Clean) Tasks(ScenarioResult result) => (result.Line, result.Clean);

static (string Line, bool Clean) Failover(FailoverResult result) => (result.Line, result.Clean);

static (string Line, bool Clean) Poison((ScenarioResult Result, string? Problem) outcome)
{
    if (outcome.Problem is not null)
    {
        Console.Error.WriteLine(outcome.Problem);
    }
    return (outcome.Result.Line, outcome.Result.Clean && outcome.Problem is null);
}
