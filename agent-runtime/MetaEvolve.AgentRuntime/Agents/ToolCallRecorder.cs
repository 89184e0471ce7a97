using System.Diagnostics;
using MetaEvolve.AgentRuntime.Operability;
using Microsoft.SemanticKernel;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// Watches one chat task's automatic function calls: enforces <c>maxIterations</c> (model round trips),
/// records each call and its error for the task's output (and traces it: <c>execute_tool &lt;function&gt;</c>), and adds the token usage of prompt skills, whose
/// model calls happen inside a tool call and so never reach the chat history.
/// A tool that throws is recorded and rethrown: Semantic Kernel hands the error to the model as the tool's result.
/// </summary>
public sealed class ToolCallRecorder(int maxIterations, IEnumerable<ToolCallRecord>? earlier = null) : IAutoFunctionInvocationFilter, IFunctionInvocationFilter
{
    private readonly List<ToolCallRecord> _calls = [.. earlier ?? []];
    private int _promptTokens;
    private int _completionTokens;

    public IReadOnlyList<ToolCallRecord> Calls
    {
        get
        {
            lock (_calls)
            {
                return [.. _calls];
            }
        }
    }

    /// <summary>True when the model still asked for tools on its last allowed round trip.</summary>
    public bool IterationsExhausted { get; private set; }

    public int PromptTokens => _promptTokens;
    public int CompletionTokens => _completionTokens;

    public async Task OnAutoFunctionInvocationAsync(AutoFunctionInvocationContext context, Func<AutoFunctionInvocationContext, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        var name = $"{context.Function.PluginName}.{context.Function.Name}";
        if (context.RequestSequenceIndex + 1 >= maxIterations)
        {
            // No round trip would be left to give the model the result: stop instead of calling the tool.
            IterationsExhausted = true;
            context.Terminate = true;
            Add(new ToolCallRecord(name, "not called: maxIterations reached"));
            return;
        }

        using var span = RuntimeTracing.StartToolCall(name, context.ToolCallId);
        try
        {
            await next(context);
            Add(new ToolCallRecord(name, null));
        }
        catch (Exception exception)
        {
            span?.SetTag("error.type", exception.GetType().FullName).SetStatus(ActivityStatusCode.Error);
            Add(new ToolCallRecord(name, $"{exception.GetType().Name}: {exception.Message}"));
            throw;
        }
    }

    public async Task OnFunctionInvocationAsync(FunctionInvocationContext context, Func<FunctionInvocationContext, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        await next(context);
        var (prompt, completion) = TokenUsage.Of(context.Result.Metadata);
        Interlocked.Add(ref _promptTokens, prompt);
        Interlocked.Add(ref _completionTokens, completion);
    }

    /// <summary>Records a call made outside the loop (a resumed task answering the calls it parked with).</summary>
    public void Record(ToolCallRecord record) => Add(record);

    private void Add(ToolCallRecord record)
    {
        lock (_calls)
        {
            _calls.Add(record);
        }
    }
}

/// <summary>One tool call of a chat task: <c>plugin.function</c> and its error, if it failed.</summary>
public sealed record ToolCallRecord(string Function, string? Error);
