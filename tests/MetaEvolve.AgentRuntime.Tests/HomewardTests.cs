using System.Text.Json;
using MetaEvolve.Core.Regions;
using MetaEvolve.Core.Tasks;
using MetaEvolve.Testing;
using Microsoft.Extensions.Logging.Abstractions;
using NATS.Client.JetStream;
using NATS.Client.JetStream.Models;

namespace MetaEvolve.AgentRuntime.Tests;

/// <summary>
/// A worker of region b running tasks submitted in region a: each result goes to b's homeward stream for a to source,
/// after it is recorded here and before the task's message is acked, and again when a redelivery finds the result
/// already recorded (a worker that died between recording and appending). One nats-server stands in for region b: what
/// crosses the link is RegionLinkTests' and the gateway's RegionTests' concern.
/// </summary>
[Trait(Services.Trait, Services.Needed)]
public sealed class HomewardTests : IAsyncLifetime
{
    private readonly PipelineEnvironment _env = new() { Connections = Services.Connections with { Region = "b" } };

    private static CancellationToken Cancellation => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync()
    {
        await _env.InitializeAsync();
        _env.RequireServices();
        // What region b's operator does: the homeward stream (and the homecoming stream, sourcing from no peer here).
        await new RegionStreams(_env.JetStream, _env.Names, [], 1, NullLogger<RegionStreams>.Instance).EnsureAsync(Cancellation);
    }

    [Fact]
    public async Task The_result_of_a_task_from_region_a_is_recorded_here_and_appended_for_a()
    {
        await _env.SharedWorkerAsync();
        var task = _env.Call("echo", """{"text": "from a"}""") with { Origin = "a", Region = "b" };

        await _env.Publisher.PublishAsync(task, cancellationToken: Cancellation);

        var (result, messageId) = await HomecomingAsync(task.Id);
        var row = await _env.WaitForFinalAsync(task.Id);
        Assert.Equal((TaskStates.Succeeded, "a", "b"), (row.Status, row.SubmittedRegion, row.Region));
        Assert.Equal((TaskStates.Succeeded, "b", 1), (result.Status, result.Region, result.Attempts));
        Assert.Equal("from a", JsonDocument.Parse(result.OutputJson!).RootElement.GetProperty("text").GetString());
        Assert.Equal($"{task.Id:D}.1", messageId);
    }

    [Fact]
    public async Task A_redelivered_task_whose_result_is_already_recorded_sends_it_home_again()
    {
        await _env.SharedWorkerAsync();
        var task = _env.Call("echo", """{"text": "recorded before a crash"}""") with { Origin = "a", Region = "b" };
        // A worker that recorded the result and died before appending it (and before acking the message).
        var claim = Assert.Single(await _env.Tasks.ClaimAsync([new TaskDelivery(task, 1)], "b", Cancellation));
        await _env.Tasks.CompleteAsync([new TaskCompletion(task.Id, TaskStates.Succeeded, OutputJson: """{"text": "the first result"}""", Attempt: claim.Attempts)], Cancellation);

        await _env.Publisher.PublishAsync(task, cancellationToken: Cancellation);

        var (result, _) = await HomecomingAsync(task.Id);
        Assert.Equal((TaskStates.Succeeded, 1), (result.Status, result.Attempts));
        Assert.Equal("the first result", JsonDocument.Parse(result.OutputJson!).RootElement.GetProperty("text").GetString());
        await PipelineEnvironment.WaitUntilAsync(async () => await QueuedAsync() == 0, TimeSpan.FromSeconds(30), () => "the redelivered message was not acked");
    }

    // The task's result on b's homeward stream (for origin a), and its message id.
    private async Task<(TaskHomecoming Result, string? MessageId)> HomecomingAsync(Guid id)
    {
        var stream = await _env.JetStream.GetStreamAsync(_env.Names.HomewardStream("b"), cancellationToken: Cancellation);
        StreamMsgGetResponse? found = null;
        await PipelineEnvironment.WaitUntilAsync(async () =>
        {
            try
            {
                found = await stream.GetAsync(new StreamMsgGetRequest { LastBySubj = _env.Names.Homeward("b", "a", id) }, Cancellation);
                return true;
            }
            catch (NatsJSApiException ex) when (ex.Error.Code == 404)
            {
                return false;
            }
        }, TimeSpan.FromSeconds(30), () => $"no result of task {id} on the homeward stream");
        var message = found!.Message;
        var result = JsonSerializer.Deserialize(message.Data.Span, RegionJsonContext.Default.TaskHomecoming)!;
        var headers = message.Hdrs is { } raw ? System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(raw)) : "";
        var messageId = headers.Split("\r\n").FirstOrDefault(h => h.StartsWith("Nats-Msg-Id:", StringComparison.Ordinal))?["Nats-Msg-Id:".Length..].Trim();
        return (result, messageId);
    }

    private async Task<long> QueuedAsync() =>
        (await _env.JetStream.GetStreamAsync(_env.Stream, cancellationToken: Cancellation)).Info.State.Messages;

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _env.JetStream.DeleteStreamAsync(_env.Names.HomewardStream("b"), CancellationToken.None);
            await _env.JetStream.DeleteStreamAsync(_env.Names.HomecomingStream, CancellationToken.None);
        }
        catch (NATS.Client.Core.NatsException)
        {
        }
        await _env.DisposeAsync();
    }
}
