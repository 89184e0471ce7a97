using MetaEvolve.Core.Tasks;

namespace MetaEvolve.AgentRuntime.Execution;

/// <summary>
/// Runs one task. The pipeline owns delivery, retries, results and cancellation; an executor only turns an
/// envelope into an output. Throw <see cref="TaskFailedException"/> to fail (transient: retried with backoff,
/// permanent: recorded at once); any other exception counts as transient. Honour the token: it fires on
/// cancellation, deadline and shutdown. Executors are called on the pipeline's claim loop and must not block
/// before their first await (offload CPU-bound work with Task.Run).
/// </summary>
public interface ITaskExecutor
{
    public ValueTask<TaskOutput> ExecuteAsync(TaskExecution task, CancellationToken cancellationToken);
}

/// <summary>A task as an executor sees it: the envelope and which attempt this is (1-based).</summary>
public sealed record TaskExecution(TaskEnvelope Envelope, int Attempt);

/// <summary>The recorded output (a JSON document) and the model's token usage, if any.</summary>
public readonly record struct TaskOutput(string OutputJson, int PromptTokens = 0, int CompletionTokens = 0);
