using System.Text.Json;
using MetaEvolve.Core;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Operator.Retention;
using MetaEvolve.Testing;

namespace MetaEvolve.Operator.Tests.Cluster;

/// <summary>
/// What the operator does for tasks outside any worker: a deleted pool fails its queued tasks with the reason, the
/// tasks table's retention runs in the leader while no worker runs at all, and so does the approval timeout.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public class TaskLifecycleTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static TaskEnvelope Envelope(string ns, string pool) => new()
    {
        Id = TaskIds.NewId(),
        Namespace = ns,
        Pool = pool,
        Agent = "a",
        Input = TaskInput.Direct("system", "echo", JsonDocument.Parse("{}").RootElement.Clone()),
    };

    [Fact]
    public async Task Deleting_a_pool_fails_its_queued_tasks_naming_the_pool_and_leaves_other_tasks_alone()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        await cluster.StartOperatorAsync();
        await cluster.ApplyAsync("""
            apiVersion: metaevolve.io/v1alpha1
            kind: AgentPool
            metadata:
              name: doomed
            spec:
              autoscaling:
                mode: None
            """);
        await OperatorCluster.EventuallyAsync(() => cluster.ConsumerExistsAsync("doomed"), "the pool's consumer");
        await using var store = cluster.Store();
        var tasks = new TaskRepository(store, cluster.Schema);
        var queued = new[] { Envelope(cluster.Namespace, "doomed"), Envelope(cluster.Namespace, "doomed") };
        var finished = Envelope(cluster.Namespace, "doomed");
        var elsewhere = Envelope(cluster.Namespace, "other");
        foreach (var task in queued.Append(finished).Append(elsewhere))
        {
            await tasks.EnqueueAsync(task, Ct);
        }
        await using (var succeed = store.CreateCommand($"UPDATE {cluster.Schema}.tasks SET status = 'succeeded' WHERE id = $1"))
        {
            succeed.Parameters.Add(new Npgsql.NpgsqlParameter<Guid> { TypedValue = finished.Id });
            await succeed.ExecuteNonQueryAsync(Ct);
        }

        await cluster.Kubectl.OkAsync("delete", "agentpool", "doomed", "--wait=true", "--timeout=60s");

        foreach (var task in queued)
        {
            var record = await tasks.GetAsync(task.Id, Ct);
            Assert.Equal(TaskStates.Failed, record!.Status);
            Assert.Equal($"pool deleted: {cluster.Namespace}/doomed", record.Error);
            Assert.NotNull(record.FinishedAt);
        }
        Assert.Equal(TaskStates.Succeeded, (await tasks.GetAsync(finished.Id, Ct))!.Status);
        Assert.Equal(TaskStates.Queued, (await tasks.GetAsync(elsewhere.Id, Ct))!.Status);
        Assert.False(await cluster.ConsumerExistsAsync("doomed"));
    }

    [Fact]
    public async Task The_leader_drops_clean_days_past_retention_and_holds_dead_lettered_ones_with_no_worker_running()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        var leader = await cluster.StartOperatorAsync(configure: o => o with { TaskRetention = new TaskRetentionOptions { RetentionDays = 30, Interval = TimeSpan.FromSeconds(1) } });
        // The leader migrates the store; then two old days appear, one clean and one with a dead-lettered task.
        await using var store = cluster.Store();
        await OperatorCluster.EventuallyAsync(async () =>
        {
            await using var migrated = store.CreateCommand($"SELECT to_regclass('{cluster.Schema}.task_idempotency_by_task_time') IS NOT NULL");
            return (bool)(await migrated.ExecuteScalarAsync(Ct))!;
        }, "the migrated store");
        var today = DateOnly.FromDateTime(DateTime.UtcNow);
        var clean = today.AddDays(-45);
        var held = today.AddDays(-44);
        foreach (var (day, deadLettered) in new[] { (clean, false), (held, true) })
        {
            await using (var partition = store.CreateCommand($"SELECT {cluster.Schema}.ensure_task_partitions(0, $1)"))
            {
                partition.Parameters.Add(new Npgsql.NpgsqlParameter<DateOnly> { TypedValue = day });
                await partition.ExecuteNonQueryAsync(Ct);
            }
            await using var command = store.CreateCommand($"""
                INSERT INTO {cluster.Schema}.tasks (id, created_at, namespace, agent, pool, input, status, dead_lettered)
                VALUES ($1, {cluster.Schema}.uuid_v7_time($1), $2, 'a', 'p', jsonb_build_object(), 'failed', $3)
                """);
            command.Parameters.Add(new Npgsql.NpgsqlParameter<Guid> { TypedValue = Guid.CreateVersion7(new DateTimeOffset(day.ToDateTime(new TimeOnly(12, 0)), TimeSpan.Zero)) });
            command.Parameters.Add(new Npgsql.NpgsqlParameter<string> { TypedValue = cluster.Namespace });
            command.Parameters.Add(new Npgsql.NpgsqlParameter<bool> { TypedValue = deadLettered });
            await command.ExecuteNonQueryAsync(Ct);
        }

        await OperatorCluster.EventuallyAsync(async () => !await PartitionExistsAsync(store, cluster.Schema, clean), "the clean old day dropped");

        Assert.True(await PartitionExistsAsync(store, cluster.Schema, held));
        await OperatorCluster.EventuallyAsync(
            async () => await leader.MetricAsync("metaevolve_task_partition_held_tasks", $"partition=\"tasks_{held:yyyyMMdd}\",reason=\"dead_lettered\"") == 1,
            "the held day in the metric");
    }

    [Fact]
    public async Task The_leader_fails_a_parked_task_past_its_approval_deadline_and_announces_it_with_no_worker_running()
    {
        await using var cluster = await OperatorCluster.StartAsync();
        await cluster.StartOperatorAsync(configure: o => o with { ApprovalSweepInterval = TimeSpan.FromMilliseconds(200) });
        await using var store = cluster.Store();
        var tasks = new TaskRepository(store, cluster.Schema);
        await OperatorCluster.EventuallyAsync(async () =>
        {
            // The newest migration's column (V1_9 regions), not only the approval one: the enqueue writes every column.
            await using var migrated = store.CreateCommand($"""
                SELECT to_regclass('{cluster.Schema}.tasks_awaiting_approval') IS NOT NULL
                   AND EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = '{cluster.Schema}' AND table_name = 'tasks' AND column_name = 'submitted_region')
                """);
            return (bool)(await migrated.ExecuteScalarAsync(Ct))!;
        }, "the migrated store");

        await using var nats = NatsConnectionFactory.Create(cluster.Connections, "operator tests");
        var overdue = Envelope(cluster.Namespace, "p");
        var waiting = Envelope(cluster.Namespace, "p");
        await using var notices = await nats.SubscribeCoreAsync<byte[]>(cluster.Names.Result(overdue.Id), cancellationToken: Ct);
        // Both parked as a worker parks them; one is already past its deadline, the other has an hour left.
        foreach (var (task, seconds) in new[] { (overdue, -1), (waiting, 3600) })
        {
            await tasks.EnqueueAsync(task, Ct);
            await using var park = store.CreateCommand($"""
                UPDATE {cluster.Schema}.tasks
                SET status = 'awaiting_approval', parked_at = now(), approval_deadline = now() + make_interval(secs => $2),
                    approval = jsonb_build_object('function', 'calc.Add', 'timeoutSeconds', 30), conversation = jsonb_build_object()
                WHERE id = $1
                """);
            park.Parameters.Add(new Npgsql.NpgsqlParameter<Guid> { TypedValue = task.Id });
            park.Parameters.Add(new Npgsql.NpgsqlParameter<double> { TypedValue = seconds });
            Assert.Equal(1, await park.ExecuteNonQueryAsync(Ct));
        }

        using var wait = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        wait.CancelAfter(TimeSpan.FromSeconds(30));
        var notice = JsonSerializer.Deserialize(await notices.Msgs.ReadAsync(wait.Token) is { Data: { } data } ? data : [], TaskJsonContext.Default.TaskResultNotice)!;
        Assert.Equal((overdue.Id, TaskStates.Failed), (notice.Id, notice.Status));
        var failed = (await tasks.GetAsync(overdue.Id, Ct))!;
        Assert.Equal(TaskStates.Failed, failed.Status);
        Assert.Equal("approval timed out: nobody approved or rejected calc.Add within 30 s (spec.approvalTimeoutSeconds)", failed.Error);
        Assert.NotNull(failed.FinishedAt);
        Assert.Equal(TaskStates.AwaitingApproval, (await tasks.GetAsync(waiting.Id, Ct))!.Status);
    }

    private static async Task<bool> PartitionExistsAsync(Npgsql.NpgsqlDataSource store, string schema, DateOnly day)
    {
        await using var command = store.CreateCommand($"SELECT to_regclass('{schema}.tasks_{day:yyyyMMdd}') IS NOT NULL");
        return (bool)(await command.ExecuteScalarAsync(Ct))!;
    }
}
