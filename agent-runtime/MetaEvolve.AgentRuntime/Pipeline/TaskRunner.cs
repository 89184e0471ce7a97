using System.Diagnostics;
using MetaEvolve.AgentRuntime.Execution;
using MetaEvolve.AgentRuntime.Operability;
using MetaEvolve.Core.Tasks;

namespace MetaEvolve.AgentRuntime.Pipeline;

/// <summary>
/// Runs one claimed task through the executor and classifies the outcome: success, permanent failure,
/// transient failure (retry with backoff, dead-letter on the last attempt), cancellation by the user,
/// deadline, shutdown (back to the queue), or parked for a person's approval. The verdict goes to the completion stage, which records it.
/// </summary>
internal sealed class TaskRunner(
    WorkerOptions options,
    ITaskExecutor executor,
    CompletionStage completions,
    PipelineLifetime lifetime,
    RuntimeMetrics metrics,
    ILogger<TaskRunner> logger)
{
    public void Start(InFlightTask task, int attempt) => _ = RunAsync(task, attempt);

    private async Task RunAsync(InFlightTask task, int attempt)
    {
        // Runs inline on the claim loop up to the executor's first await (no thread hop per task): executors
        // must be asynchronous and must not block (see ITaskExecutor).
        var envelope = task.Envelope!;
        using var activity = RuntimeTracing.StartTask(envelope, task.Message, task.Delivery);
        using var cts = task.StartExecution(lifetime.AbortRunning);
        // The sooner of the pool's limit and the task's own deadline (the submit-time timeoutSeconds).
        var untilDeadline = envelope.Deadline - DateTimeOffset.UtcNow;
        var byDeadline = untilDeadline < options.TaskTimeout;
        cts.CancelAfter(Clamp(byDeadline ? untilDeadline!.Value : options.TaskTimeout));
        var started = Stopwatch.GetTimestamp();
        Settlement settlement;
        try
        {
            var output = await executor.ExecuteAsync(new TaskExecution(envelope, attempt), cts.Token);
            settlement = Settlement.Record(task, new TaskCompletion(envelope.Id, TaskStates.Succeeded, output.OutputJson,
                PromptTokens: output.PromptTokens, CompletionTokens: output.CompletionTokens), Elapsed(started));
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            settlement = Cancelled(task, envelope, byDeadline, started);
        }
        catch (TaskParkedException ex) when (ex.Parking is { } parking)
        {
            // Recorded, then acked: the task waits in the store, not in the queue, and this slot takes other work.
            logger.LogInformation("Task {TaskId} waits for approval of {Function}", envelope.Id, ex.Message);
            settlement = Settlement.Record(task, new TaskCompletion(envelope.Id, TaskStates.AwaitingApproval,
                PromptTokens: ex.PromptTokens, CompletionTokens: ex.CompletionTokens, Parking: parking), Elapsed(started));
        }
        catch (TaskFailedException ex) when (!ex.Transient)
        {
            settlement = Settlement.Record(task, new TaskCompletion(envelope.Id, TaskStates.Failed, Error: ex.Message), Elapsed(started));
        }
        catch (Exception ex)
        {
            settlement = TransientFailure(task, envelope, ex, started);
        }
        finally
        {
            task.EndExecution();
            metrics.RunTook(Elapsed(started));
        }
        if (settlement.Completion is { Status: TaskStates.Failed } failed)
        {
            activity?.SetStatus(ActivityStatusCode.Error, failed.Error);
        }
        completions.Enqueue(settlement);
    }

    private Settlement Cancelled(InFlightTask task, TaskEnvelope envelope, bool byDeadline, long started)
    {
        if (task.CancelRequested)
        {
            return Settlement.Record(task, new TaskCompletion(envelope.Id, TaskStates.Cancelled, Error: "cancelled while running"), Elapsed(started));
        }
        if (lifetime.AbortRunning.IsCancellationRequested)
        {
            // Shutdown grace ran out: back to the queue for another worker, without spending an attempt's backoff.
            logger.LogInformation("Task {TaskId} interrupted by shutdown; returning it to the queue", envelope.Id);
            return Settlement.Retry(task, "interrupted by worker shutdown", TimeSpan.Zero);
        }
        var error = byDeadline
            ? $"timeout: the task's deadline {envelope.Deadline:O} passed while it ran"
            : $"timeout: the task ran longer than its pool allows ({options.TaskTimeout.TotalSeconds:0} s, spec.task.timeoutSeconds)";
        return Settlement.Record(task, new TaskCompletion(envelope.Id, TaskStates.Failed, Error: error), Elapsed(started));
    }

    private Settlement TransientFailure(InFlightTask task, TaskEnvelope envelope, Exception ex, long started)
    {
        var error = ex is TaskFailedException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
        if (task.Delivery >= options.MaxDeliver)
        {
            logger.LogWarning("Task {TaskId} dead-lettered after {Attempts} attempts: {Error}", envelope.Id, task.Delivery, error);
            return Settlement.Record(task, new TaskCompletion(envelope.Id, TaskStates.Failed,
                Error: $"dead-lettered after {task.Delivery} attempts; last error: {error}", DeadLettered: true), Elapsed(started));
        }
        var delay = options.BackoffFor(task.Delivery);
        logger.LogInformation("Task {TaskId} failed on attempt {Attempt} ({Error}); retrying in {Delay}", envelope.Id, task.Delivery, error, delay);
        return Settlement.Retry(task, error, delay, Elapsed(started));
    }

    private static double Elapsed(long started) => Stopwatch.GetElapsedTime(started).TotalSeconds;

    private static TimeSpan Clamp(TimeSpan value) =>
        value <= TimeSpan.Zero ? TimeSpan.Zero : value > TimeSpan.FromDays(24) ? TimeSpan.FromDays(24) : value;
}
