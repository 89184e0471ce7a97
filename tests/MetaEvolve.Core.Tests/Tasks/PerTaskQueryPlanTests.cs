using System.Globalization;
using System.Text.Json;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Core.Tests.Store;
using MetaEvolve.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace MetaEvolve.Core.Tests.Tasks;

/// <summary>
/// The statements every task passes through keep using their indexes on a fresh schema: prepared on a connection
/// while today's partition is empty (as a worker does when it starts), then the partition fills through the
/// repository, and the plan PostgreSQL has cached for the connection is what EXPLAIN shows.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public class PerTaskQueryPlanTests
{
    private const int Tasks = 20_000;
    private const int Keys = 1_000;
    private const int Batch = 256;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Cached_plans_use_indexes_once_a_fresh_partition_has_filled()
    {
        await using var schema = await StoreSchema.CreateAsync();
        await schema.NewMigrator().MigrateAsync(Cancellation);
        var repository = new TaskRepository(schema.DataSource, schema.Name);
        var statistics = new TaskPartitionStatistics(schema.DataSource, schema.Name, NullLogger<TaskPartitionStatistics>.Instance);

        // A worker's long-lived connection: its statements are planned once, while the partition is empty, and the
        // generic plan is kept (forced here; PostgreSQL chooses it itself after five runs).
        await using var worker = await schema.DataSource.OpenConnectionAsync(Cancellation);
        await ExecuteAsync(worker, "SET plan_cache_mode = force_generic_plan");
        foreach (var (name, sql) in repository.PerTaskStatements)
        {
            await ExecuteAsync(worker, $"PREPARE {name} AS {sql}");
        }
        var probe = Enumerable.Range(0, 64).Select(_ => TaskIds.NewId()).ToArray();
        foreach (var name in repository.PerTaskStatements.Keys)
        {
            await ExplainAsync(worker, name, probe);
        }

        // Fill today's partition as the pipeline does: the gateway's keyed submissions, then claims and results in
        // batches, each batch counted by the partition statistics as the claim stage counts it.
        for (var i = 0; i < Keys; i++)
        {
            await repository.EnqueueAsync(Envelope(TaskIds.NewId(), $"key-{i}"), Cancellation);
        }
        var loaded = new List<Guid>(Tasks);
        for (var done = 0; done < Tasks; done += Batch)
        {
            var envelopes = Enumerable.Range(0, Batch).Select(_ => Envelope(TaskIds.NewId())).ToList();
            await repository.ClaimAsync([.. envelopes.Select((e, i) => new TaskDelivery(e, (ulong)(done + i + 1)))], cancellationToken: Cancellation);
            await repository.CompleteAsync([.. envelopes.Select(e => new TaskCompletion(e.Id, TaskStates.Succeeded, "{\"message\":\"hello\"}"))], Cancellation);
            loaded.AddRange(envelopes.Select(e => e.Id));
            if (statistics.Observe(envelopes.Select(e => e.Id), Cancellation) is { } analysis)
            {
                await analysis;
            }
        }

        var ids = loaded.Take(64).ToArray();
        foreach (var name in repository.PerTaskStatements.Keys)
        {
            var plan = await ExplainAsync(worker, name, ids);
            var scans = Scans(plan);
            var sequential = scans.Where(s => s.NodeType == "Seq Scan" && IsBigTable(s.Relation)).Select(s => s.Relation).ToList();
            Assert.True(sequential.Count == 0, $"{name} scans {string.Join(", ", sequential)} sequentially:\n{plan}");
            Assert.Contains(scans, s => s.NodeType.StartsWith("Index", StringComparison.Ordinal) && IsBigTable(s.Relation));
        }
    }

    [Fact]
    public async Task A_day_is_analyzed_once_when_this_process_has_written_enough_of_its_tasks()
    {
        await using var schema = await StoreSchema.CreateAsync();
        await schema.NewMigrator().MigrateAsync(Cancellation);
        var statistics = new TaskPartitionStatistics(schema.DataSource, schema.Name, NullLogger<TaskPartitionStatistics>.Instance);
        var today = DateTimeOffset.UtcNow;

        Assert.Null(statistics.Observe(Ids(today, TaskPartitionStatistics.FilledRows - 1), Cancellation));
        var analysis = statistics.Observe(Ids(today, 1), Cancellation);
        Assert.NotNull(analysis);
        await analysis;
        Assert.Null(statistics.Observe(Ids(today, TaskPartitionStatistics.FilledRows), Cancellation));

        // reltuples is -1 until a partition is first analyzed.
        var partition = $"{schema.Name}.tasks_{today:yyyyMMdd}";
        Assert.True(await schema.ScalarAsync<bool>("SELECT reltuples >= 0 FROM pg_class WHERE oid = to_regclass($1)", partition));
        // A day without a partition of its own (its rows are in tasks_default) is left alone.
        Assert.False(await statistics.AnalyzeAsync(DateOnly.FromDateTime(today.UtcDateTime).AddDays(-3), Cancellation));
    }

    private static IEnumerable<Guid> Ids(DateTimeOffset day, int count) => Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7(day));

    private static TaskEnvelope Envelope(Guid id, string? key = null) => new()
    {
        Id = id,
        Namespace = "default",
        Pool = "p",
        Agent = "a",
        Input = TaskInput.Direct("system", "echo", JsonDocument.Parse("{\"message\":\"hello\"}").RootElement.Clone()),
        IdempotencyKey = key,
    };

    // Partitions of the tasks table and the idempotency keys: they grow with every task.
    private static bool IsBigTable(string? relation) =>
        relation is not null && (relation.StartsWith("tasks_", StringComparison.Ordinal) || relation == "task_idempotency");

    private static async Task<string> ExplainAsync(NpgsqlConnection connection, string statement, Guid[] ids)
    {
        var n = ids.Length.ToString(CultureInfo.InvariantCulture);
        var array = $"'{{{string.Join(",", ids)}}}'::uuid[]";
        var one = $"'{ids[0]}'::uuid";
        string Fill(string value) => $"array_fill({value}, ARRAY[{n}])";
        var arguments = statement switch
        {
            "claim" => $"{array}, {Fill("'default'::text")}, {Fill("'p'::text")}, {Fill("'a'::text")}, {Fill("NULL::text")}, {Fill("'{}'::jsonb")}, {Fill("NULL::text")}, {Fill("NULL::text")}, {Fill("NULL::timestamptz")}, {Fill("1::bigint")}, {Fill("0")}, NULL::text, {Fill("NULL::text")}",
            "complete" => $"{array}, {Fill("'succeeded'::text")}, {Fill("'{}'::jsonb")}, {Fill("NULL::text")}, {Fill("false")}, {Fill("0")}, {Fill("0")}, {Fill("0")}, {Fill("NULL::jsonb")}, {Fill("NULL::jsonb")}, {Fill("0")}",
            "cancel_requested" => array,
            "get" or "cancel" => one,
            "idempotency" => $"'default', 'key-1', {one}",
            _ => throw new ArgumentException($"no arguments for statement {statement}", nameof(statement)),
        };
        await using var command = new NpgsqlCommand($"EXPLAIN (FORMAT JSON) EXECUTE {statement}({arguments})", connection);
        return (string)(await command.ExecuteScalarAsync(Cancellation))!;
    }

    private static List<(string NodeType, string? Relation)> Scans(string explainJson)
    {
        using var document = JsonDocument.Parse(explainJson);
        var found = new List<(string NodeType, string? Relation)>();
        void Walk(JsonElement node)
        {
            found.Add((node.GetProperty("Node Type").GetString()!, node.TryGetProperty("Relation Name", out var relation) ? relation.GetString() : null));
            if (node.TryGetProperty("Plans", out var children))
            {
                foreach (var child in children.EnumerateArray())
                {
                    Walk(child);
                }
            }
        }
        Walk(document.RootElement[0].GetProperty("Plan"));
        return found;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(Cancellation);
    }
}
