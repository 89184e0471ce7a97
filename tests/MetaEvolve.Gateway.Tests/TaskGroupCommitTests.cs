using System.Globalization;
using System.Text.Json;
using MetaEvolve.Core.Store;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Gateway.Operability;
using MetaEvolve.Gateway.Tasks;
using MetaEvolve.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Prometheus;

namespace MetaEvolve.Gateway.Tests;

/// <summary>The gateway's group commit of submissions on real PostgreSQL: grouped under load, each row committed with its outbox entry.</summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class TaskGroupCommitTests : IAsyncLifetime
{
    private readonly StoreOptions _store = new() { Schema = TestPrefix.New("gw_group") };
    private NpgsqlDataSource _dataSource = null!;

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await Services.RequirePostgresAsync();
        _dataSource = StoreDataSource.Create(Services.Connections, _store);
    }

    public async ValueTask DisposeAsync()
    {
        await using (var drop = _dataSource.CreateCommand($"DROP SCHEMA IF EXISTS {_store.Schema} CASCADE"))
        {
            await drop.ExecuteNonQueryAsync(CancellationToken.None);
        }
        await _dataSource.DisposeAsync();
    }

    [Fact]
    public async Task Concurrent_submissions_are_written_in_groups_each_row_with_its_outbox_entry()
    {
        await MigrateAsync();
        var groupCommit = new TaskGroupCommit(new TaskRepository(_dataSource, _store.Schema), new GatewayMetrics());
        var (statementsBefore, tasksBefore) = await GroupSizeAsync();

        var envelopes = Enumerable.Range(0, 200).Select(Envelope).ToList();
        await Task.WhenAll(envelopes.Select(groupCommit.WriteAsync));

        Assert.Equal(200, await CountAsync("SELECT count(*) FROM tasks WHERE status = 'queued'"));
        Assert.Equal(200, await CountAsync("SELECT count(*) FROM task_outbox o JOIN tasks t ON t.id = o.task_id AND o.message_id = t.id::text"));
        var (statementsAfter, tasksAfter) = await GroupSizeAsync();
        Assert.Equal(200, tasksAfter - tasksBefore);
        // 200 submissions arrive far faster than a round trip: at most MaxWriters statements start alone, the rest group.
        Assert.InRange(statementsAfter - statementsBefore, 1, 100);
    }

    [Fact]
    public async Task A_failed_group_fails_each_of_its_submissions_and_later_ones_are_still_written()
    {
        // No tables yet: every statement fails as a store outage would, after the round trip.
        var groupCommit = new TaskGroupCommit(new TaskRepository(_dataSource, _store.Schema), new GatewayMetrics());
        var failed = Enumerable.Range(0, 20).Select(i => groupCommit.WriteAsync(Envelope(i))).ToList();
        foreach (var write in failed)
        {
            await Assert.ThrowsAsync<PostgresException>(() => write);
        }

        await MigrateAsync();
        var later = Envelope(20);
        await groupCommit.WriteAsync(later);
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM tasks"));
        Assert.Equal(1, await CountAsync($"SELECT count(*) FROM task_outbox WHERE task_id = '{later.Id}'"));
    }

    private async Task MigrateAsync() =>
        await new StoreMigrator(_dataSource, _store, NullLogger<StoreMigrator>.Instance).MigrateAsync(Cancellation);

    private async Task<long> CountAsync(string sql)
    {
        await using var command = _dataSource.CreateCommand(sql);
        return (long)(await command.ExecuteScalarAsync(Cancellation))!;
    }

    private static TaskEnvelope Envelope(int i) => new()
    {
        Id = TaskIds.NewId(),
        Namespace = "team-a",
        Pool = "p",
        Agent = "echo",
        Input = TaskInput.Direct("system", "echo", JsonDocument.Parse($$"""{"i": {{i}}}""").RootElement),
    };

    // The histogram as /metrics exports it: (statements, tasks) written so far in this process.
    private static async Task<(double Statements, double Tasks)> GroupSizeAsync()
    {
        using var text = new MemoryStream();
        await Metrics.DefaultRegistry.CollectAndExportAsTextAsync(text, Cancellation);
        var lines = System.Text.Encoding.UTF8.GetString(text.ToArray()).Split('\n');
        double Value(string name) => double.Parse(lines.Single(l => l.StartsWith(name + " ", StringComparison.Ordinal)).Split(' ')[1], CultureInfo.InvariantCulture);
        return (Value("metaevolve_gateway_submit_group_size_count"), Value("metaevolve_gateway_submit_group_size_sum"));
    }
}
