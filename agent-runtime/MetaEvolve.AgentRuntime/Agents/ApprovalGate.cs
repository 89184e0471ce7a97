using Microsoft.SemanticKernel;

namespace MetaEvolve.AgentRuntime.Agents;

/// <summary>
/// Stops a chat task's tool-calling loop at the first call that needs a person's approval (<see cref="ApprovalPolicy"/>):
/// the call does not run, nor does any later call of the same model response, and the loop ends. The executor then
/// parks the task with the conversation, whose unanswered calls a resumed run answers once someone has decided.
/// </summary>
public sealed class ApprovalGate(ApprovalPolicy policy) : IAutoFunctionInvocationFilter
{
    private readonly HashSet<string> _notRun = [];

    /// <summary>The call that waits for approval; null while none did.</summary>
    public FunctionCallContent? Pending { get; private set; }

    /// <summary>Ids of the calls this gate kept from running: the pending one and those after it.</summary>
    public IReadOnlySet<string> NotRun => _notRun;

    public ApprovalPolicy Policy => policy;

    public async Task OnAutoFunctionInvocationAsync(AutoFunctionInvocationContext context, Func<AutoFunctionInvocationContext, Task> next)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(next);
        if (Pending is null && !policy.Requires(context.Function.PluginName ?? "", context.Function.Name))
        {
            await next(context);
            return;
        }

        Pending ??= context.ChatMessageContent.Items.OfType<FunctionCallContent>().FirstOrDefault(c => c.Id == context.ToolCallId)
            ?? new FunctionCallContent(context.Function.Name, context.Function.PluginName, context.ToolCallId, context.Arguments);
        if (context.ToolCallId is { } id)
        {
            _notRun.Add(id);
        }

        context.Terminate = true;
    }
}
