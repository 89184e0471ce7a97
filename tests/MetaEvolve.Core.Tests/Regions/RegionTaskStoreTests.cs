using System.Text.Json;
using MetaEvolve.Core.Regions;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Core.Tests.Store;
using MetaEvolve.Testing;

namespace MetaEvolve.Core.Tests.Regions;

/// <summary>What a region's store records of tasks that cross regions: where they were submitted and run, and one result.</summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class RegionTaskStoreTests
{
    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    private static TaskEnvelope Envelope(string origin, string region) => new()
    {
        Id = TaskIds.NewId(),
        Namespace = "default",
        Pool = "p",
        Agent = "a",
        Input = TaskInput.Direct("system", "echo", JsonDocument.Parse("{\"x\":1}").RootElement.Clone()),
        Origin = origin,
        Region = region,
    };

    [Fact]
    public async Task The_origin_records_where_a_task_was_sent_and_the_first_result_that_comes_home()
    {
        await using var schema = await StoreSchema.CreateAsync();
        await schema.NewMigrator().MigrateAsync(Cancellation);
        var tasks = new TaskRepository(schema.DataSource, schema.Name);
        var sent = Envelope("a", "b");
        var cancelled = Envelope("a", "a");
        await tasks.EnqueueManyAsync([sent, cancelled], Cancellation);
        Assert.Equal(1, await tasks.RouteAsync([cancelled.Id], "b", Cancellation));
        await tasks.RequestCancelAsync(cancelled.Id, Cancellation);

        var home = new TaskHomecoming { Id = sent.Id, Status = TaskStates.Succeeded, OutputJson = "{\"text\":\"hi\"}", Attempts = 1, Region = "b" };
        var changed = await tasks.RecordHomecomingAsync([home, home with { Id = cancelled.Id }], Cancellation);
        var again = await tasks.RecordHomecomingAsync([home with { Status = TaskStates.Failed, Error = "a second copy" }], Cancellation);

        Assert.Equal([sent.Id], changed);
        Assert.Empty(again);
        var row = (await tasks.GetAsync(sent.Id, Cancellation))!;
        Assert.Equal((TaskStates.Succeeded, "a", "b"), (row.Status, row.SubmittedRegion, row.Region));
        Assert.Equal("hi", JsonDocument.Parse(row.OutputJson!).RootElement.GetProperty("text").GetString());
        Assert.Equal(TaskStates.Cancelled, (await tasks.GetAsync(cancelled.Id, Cancellation))!.Status);
        Assert.Equal(0, await tasks.RouteAsync([sent.Id], "a", Cancellation));
    }

    [Fact]
    public async Task The_region_that_runs_a_task_from_elsewhere_records_both_regions_on_its_first_claim()
    {
        await using var schema = await StoreSchema.CreateAsync();
        await schema.NewMigrator().MigrateAsync(Cancellation);
        var tasks = new TaskRepository(schema.DataSource, schema.Name);
        var envelope = Envelope("a", "b");

        Assert.True(Assert.Single(await tasks.ClaimAsync([new TaskDelivery(envelope, 1)], "b", Cancellation)).Claimed);

        var row = (await tasks.GetAsync(envelope.Id, Cancellation))!;
        Assert.Equal((TaskStates.Running, "a", "b"), (row.Status, row.SubmittedRegion, row.Region));
        Assert.Equal("a", row.ToEnvelope().Origin);
    }
}
